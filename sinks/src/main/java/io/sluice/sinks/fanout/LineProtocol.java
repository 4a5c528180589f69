package io.sluice.sinks.fanout;

import java.util.Map;

/** Escaping and splitting for InfluxDB line protocol. Stateless. */
final class LineProtocol {
    private LineProtocol() {
    }

    static void measurement(StringBuilder b, String m) {
        escape(b, m, ", ");
    }

    /** Tag keys, tag values and field keys. */
    static void key(StringBuilder b, CharSequence k) {
        escape(b, k, ",= ");
    }

    static void tags(StringBuilder b, Map<String, String> tags) {
        tags.forEach((k, v) -> {
            if (v != null && !v.isEmpty()) {
                b.append(',');
                key(b, k);
                b.append('=');
                key(b, v);
            }
        });
    }

    static void stringValue(StringBuilder b, String v) {
        b.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\');
            }
            b.append(c == '\n' ? ' ' : c);
        }
        b.append('"');
    }

    private static void escape(StringBuilder b, CharSequence s, String special) {
        if (plain(s, special)) {
            b.append(s); // the common case: nothing to escape
            return;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r') {
                // line protocol cannot carry a line break here: it becomes a space, escaped like any other
                b.append(special.indexOf(' ') >= 0 ? "\\ " : " ");
                continue;
            }
            if (special.indexOf(c) >= 0 || c == '\\') {
                b.append('\\');
            }
            b.append(c);
        }
    }

    private static boolean plain(CharSequence s, String special) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' || c == '\n' || c == '\r' || special.indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Splits a line into its three or four space-separated sections, honouring backslash escapes and quoted field
     * values: returns {@code [seriesEnd, fieldsEnd]} indices, where {@code fieldsEnd == line.length()} when the
     * line has no timestamp. Throws IllegalArgumentException when the line has no field section.
     */
    static int[] sections(String line) {
        int seriesEnd = -1;
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"' && seriesEnd >= 0) {
                quoted = !quoted;
            } else if (c == ' ' && !quoted) {
                if (seriesEnd < 0) {
                    seriesEnd = i;
                } else {
                    return new int[] {seriesEnd, i};
                }
            }
        }
        if (seriesEnd <= 0 || seriesEnd == line.length() - 1 || quoted) {
            throw new IllegalArgumentException("not a line of line protocol");
        }
        return new int[] {seriesEnd, line.length()};
    }

    /**
     * Why the series {@code line[0, seriesEnd)} or the field set {@code line(seriesEnd, fieldsEnd)} of a line that
     * {@link #sections} cut is not valid line protocol, or null when both are: a measurement, tags as
     * {@code key=value}, and one or more fields {@code key=value} whose value is a finite float, an integer
     * ({@code 12i}), an unsigned integer ({@code 12u}), a boolean or a double-quoted string. One pass, no allocation
     * but for the answer, so the TSDB never sees a line it would refuse for its syntax.
     */
    static String invalid(String line, int seriesEnd, int fieldsEnd) {
        int i = nameEnd(line, 0, seriesEnd, false);
        if (i == 0) {
            return "no measurement";
        }
        if (line.charAt(0) == '#') {
            return "measurement starts with '#'";
        }
        while (i < seriesEnd) { // at a ',' before a tag
            int k = nameEnd(line, i + 1, seriesEnd, true);
            if (k == i + 1 || k >= seriesEnd || line.charAt(k) != '=') {
                return "tag without key or '='";
            }
            int v = nameEnd(line, k + 1, seriesEnd, false);
            if (v == k + 1 || (v < seriesEnd && line.charAt(v) != ',')) {
                return "tag without value";
            }
            i = v;
        }
        i = seriesEnd + 1;
        while (true) {
            int k = nameEnd(line, i, fieldsEnd, true);
            if (k == i || k >= fieldsEnd || line.charAt(k) != '=') {
                return "field without key or '='";
            }
            int v = valueEnd(line, k + 1, fieldsEnd);
            if (v < 0) {
                return "field '" + line.substring(i, k) + "' has no valid value";
            }
            if (v == fieldsEnd) {
                return null;
            }
            if (line.charAt(v) != ',') {
                return "unexpected character after field '" + line.substring(i, k) + "'";
            }
            i = v + 1;
        }
    }

    /**
     * The InfluxDB type name ({@code float}, {@code integer}, {@code unsigned}, {@code string}, {@code boolean}) of
     * field {@code field} in {@code line} when the line's measurement is {@code measurement} (both unescaped), else
     * null; null too for a line that is not line protocol.
     */
    static String fieldType(String line, String measurement, String field) {
        int[] cut;
        try {
            cut = sections(line);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int seriesEnd = cut[0];
        int fieldsEnd = cut[1];
        if (!unescaped(line, 0, nameEnd(line, 0, seriesEnd, false)).equals(measurement)) {
            return null;
        }
        int i = seriesEnd + 1;
        while (i < fieldsEnd) {
            int k = nameEnd(line, i, fieldsEnd, true);
            int v = k < fieldsEnd && line.charAt(k) == '=' ? valueEnd(line, k + 1, fieldsEnd) : -1;
            if (v < 0) {
                return null;
            }
            if (unescaped(line, i, k).equals(field)) {
                char first = line.charAt(k + 1);
                char last = line.charAt(v - 1);
                return first == '"' ? "string" : isBoolean(line.substring(k + 1, v)) ? "boolean"
                        : last == 'i' ? "integer" : last == 'u' ? "unsigned" : "float";
            }
            i = v + 1;
        }
        return null;
    }

    /** {@code s[from, to)} without its escaping backslashes. */
    private static String unescaped(String s, int from, int to) {
        if (s.indexOf('\\', from) < 0 || s.indexOf('\\', from) >= to) {
            return s.substring(from, to);
        }
        StringBuilder b = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < to) {
                c = s.charAt(++i);
            }
            b.append(c);
        }
        return b.toString();
    }

    /** End of a measurement, key or tag value from {@code i}: the first unescaped ',' or ' ' (or '=' in a key). */
    private static int nameEnd(String s, int i, int end, boolean key) {
        while (i < end) {
            char c = s.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (c == ',' || c == ' ' || (key && c == '=')) {
                return i;
            } else {
                i++;
            }
        }
        return Math.min(i, end);
    }

    /** End of the field value starting at {@code i}, or -1 when it is not one. */
    private static int valueEnd(String s, int i, int end) {
        if (i >= end) {
            return -1;
        }
        if (s.charAt(i) == '"') {
            for (int j = i + 1; j < end; j++) {
                char c = s.charAt(j);
                if (c == '\\') {
                    j++;
                } else if (c == '"') {
                    return j + 1;
                }
            }
            return -1;
        }
        int e = i;
        while (e < end && s.charAt(e) != ',') {
            e++;
        }
        return scalar(s, i, e) ? e : -1;
    }

    private static boolean scalar(String s, int from, int to) {
        int n = to - from;
        if (n <= 5 && isBoolean(s.substring(from, to))) {
            return true;
        }
        char last = s.charAt(to - 1);
        if (last == 'i' || last == 'u') {
            int d = from + (last == 'i' && s.charAt(from) == '-' ? 1 : 0);
            if (d >= to - 1 || to - 1 - d > 20) {
                return false;
            }
            for (int j = d; j < to - 1; j++) {
                if (s.charAt(j) < '0' || s.charAt(j) > '9') {
                    return false;
                }
            }
            try {
                if (last == 'u') {
                    Long.parseUnsignedLong(s, from, to - 1, 10);
                } else {
                    Long.parseLong(s, from, to - 1, 10);
                }
                return true;
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return isFloat(s, from, to);
    }

    private static boolean isBoolean(String v) {
        return switch (v) {
            case "t", "T", "true", "True", "TRUE", "f", "F", "false", "False", "FALSE" -> true;
            default -> false;
        };
    }

    /** {@code -?(digits[.digits*]|.digits)([eE][+-]?digits)?}, finite. */
    private static boolean isFloat(String s, int from, int to) {
        int j = from;
        if (j < to && s.charAt(j) == '-') {
            j++;
        }
        int intDigits = digits(s, j, to);
        j += intDigits;
        int fracDigits = 0;
        if (j < to && s.charAt(j) == '.') {
            j++;
            fracDigits = digits(s, j, to);
            j += fracDigits;
        }
        if (intDigits == 0 && fracDigits == 0) {
            return false;
        }
        if (j < to && (s.charAt(j) == 'e' || s.charAt(j) == 'E')) {
            j++;
            if (j < to && (s.charAt(j) == '+' || s.charAt(j) == '-')) {
                j++;
            }
            int exp = digits(s, j, to);
            if (exp == 0) {
                return false;
            }
            j += exp;
        }
        if (j != to) {
            return false;
        }
        if (to - from > 1000) {
            return false; // bounded work: a number this long is no reading
        }
        return Double.isFinite(Double.parseDouble(s.substring(from, to)));
    }

    private static int digits(String s, int from, int to) {
        int j = from;
        while (j < to && s.charAt(j) >= '0' && s.charAt(j) <= '9') {
            j++;
        }
        return j - from;
    }
}
