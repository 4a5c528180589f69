package io.sluice.sinks.fanout;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON reader for payloads: objects become {@code LinkedHashMap}, arrays {@code List}, numbers
 * {@code Double} (or {@code Long} when integral and exact), strings, booleans and {@code null}. Not thread-safe
 * per instance; use {@link #parse}.
 *
 * <p>Bounded, in the spirit of Jackson's {@code StreamReadConstraints}: objects and arrays nest at most
 * {@value #MAX_DEPTH} levels (the recursion is that deep at most, whatever the input) and a number is at most
 * {@value #MAX_NUMBER_LENGTH} characters; past either it throws {@link Limit}. Strings are bounded by the payload.
 */
final class Json {
    /** Deepest nesting of objects and arrays taken (the root counts as one level). */
    static final int MAX_DEPTH = 64;
    /** Longest number token taken, in characters (Jackson's default too). */
    static final int MAX_NUMBER_LENGTH = 1000;

    /** A payload past one of the bounds; {@code reason} is {@code too_deep} or {@code too_long}. */
    static final class Limit extends IllegalArgumentException {
        final String reason;

        Limit(String reason, String message) {
            super(message);
            this.reason = reason;
        }
    }

    private final String s;
    private int i;

    private Json(String s) {
        this.s = s;
    }

    /** Parses one JSON value filling the whole text; throws IllegalArgumentException with the offset on error. */
    static Object parse(String text) {
        Json p = new Json(text);
        p.ws();
        Object v = p.value(1);
        p.ws();
        if (p.i != text.length()) {
            throw p.error("trailing characters");
        }
        return v;
    }

    /** A value at nesting level {@code depth} (an object or array there is that deep). */
    private Object value(int depth) {
        if (i >= s.length()) {
            throw error("unexpected end");
        }
        char c = s.charAt(i);
        if ((c == '{' || c == '[') && depth > MAX_DEPTH) {
            throw new Limit("too_deep", "nesting deeper than " + MAX_DEPTH + " levels at offset " + i);
        }
        return switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> number();
        };
    }

    private Map<String, Object> object(int depth) {
        Map<String, Object> m = new LinkedHashMap<>();
        i++;
        ws();
        if (peek() == '}') {
            i++;
            return m;
        }
        while (true) {
            ws();
            if (peek() != '"') {
                throw error("expected a key");
            }
            String k = string();
            ws();
            expect(':');
            ws();
            m.put(k, value(depth + 1));
            ws();
            char c = next();
            if (c == '}') {
                return m;
            }
            if (c != ',') {
                throw error("expected ',' or '}'");
            }
        }
    }

    private List<Object> array(int depth) {
        List<Object> l = new ArrayList<>();
        i++;
        ws();
        if (peek() == ']') {
            i++;
            return l;
        }
        while (true) {
            ws();
            l.add(value(depth + 1));
            ws();
            char c = next();
            if (c == ']') {
                return l;
            }
            if (c != ',') {
                throw error("expected ',' or ']'");
            }
        }
    }

    private String string() {
        i++;
        // the common case, a string without escapes or control characters, is a substring
        for (int j = i; j < s.length(); j++) {
            char c = s.charAt(j);
            if (c == '"') {
                String plain = s.substring(i, j);
                i = j + 1;
                return plain;
            }
            if (c == '\\' || c < 0x20) {
                break;
            }
        }
        StringBuilder b = new StringBuilder();
        while (true) {
            char c = next();
            if (c == '"') {
                return b.toString();
            }
            if (c < 0x20) {
                throw error("control character in string");
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = next();
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    if (i + 4 > s.length()) {
                        throw error("bad \\u escape");
                    }
                    try {
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                    } catch (NumberFormatException x) {
                        throw error("bad \\u escape");
                    }
                    i += 4;
                }
                default -> throw error("bad escape");
            }
        }
    }

    private Object number() {
        int start = i;
        while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        if (i - start > MAX_NUMBER_LENGTH) {
            throw new Limit("too_long", "number longer than " + MAX_NUMBER_LENGTH + " characters at offset " + start);
        }
        String n = s.substring(start, i);
        if (n.isEmpty() || n.startsWith("+") || n.endsWith(".")) {
            i = start;
            throw error("unexpected character");
        }
        try {
            if (n.indexOf('.') < 0 && n.indexOf('e') < 0 && n.indexOf('E') < 0) {
                return Long.parseLong(n);
            }
            return Double.parseDouble(n);
        } catch (NumberFormatException e) {
            try {
                return Double.parseDouble(n);
            } catch (NumberFormatException e2) {
                i = start;
                throw error("bad number");
            }
        }
    }

    private Object literal(String word, Object v) {
        if (!s.startsWith(word, i)) {
            throw error("unexpected character");
        }
        i += word.length();
        return v;
    }

    private void ws() {
        while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
    }

    private char peek() {
        return i < s.length() ? s.charAt(i) : '\0';
    }

    private char next() {
        if (i >= s.length()) {
            throw error("unexpected end");
        }
        return s.charAt(i++);
    }

    private void expect(char c) {
        if (next() != c) {
            i--;
            throw error("expected '" + c + "'");
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what + " at offset " + i);
    }
}
