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
                b.append(' ');
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
}
