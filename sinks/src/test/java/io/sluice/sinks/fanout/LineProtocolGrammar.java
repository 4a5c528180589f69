package io.sluice.sinks.fanout;

/**
 * An independent, strict reader of one line of InfluxDB line protocol, for fuzz targets that check what the decoders
 * write: {@code measurement[,tag=value...] field=value[,field=value...] [timestamp]}. Backslash escapes comma and
 * space in the measurement; comma, equals and space in keys and tag values; double quote and backslash in string
 * fields. Field values: floats (finite, optional exponent), integers {@code 12i}, unsigned {@code 12u}, strings in
 * double quotes, booleans. The timestamp is a signed 64-bit integer. A line starting with {@code #} is a comment to
 * a TSDB, so no measurement may start with it. Stateless.
 */
final class LineProtocolGrammar {
    private LineProtocolGrammar() {
    }

    /** Null when {@code line} is one well-formed line, else what is wrong with it. */
    static String check(String line) {
        if (line.indexOf('\n') >= 0) {
            return "a newline inside the line";
        }
        if (line.startsWith("#")) {
            return "starts with '#', a comment";
        }
        int i = name(line, 0, false);
        if (i <= 0) {
            return "no measurement";
        }
        while (i < line.length() && line.charAt(i) == ',') {
            int k = name(line, i + 1, true);
            if (k <= i + 1 || k >= line.length() || line.charAt(k) != '=') {
                return "a tag without key or '=' at " + i;
            }
            int v = name(line, k + 1, false);
            if (v <= k + 1) {
                return "a tag without value at " + k;
            }
            i = v;
        }
        if (i >= line.length() || line.charAt(i) != ' ') {
            return "no space before the fields at " + i;
        }
        i++;
        while (true) {
            int k = name(line, i, true);
            if (k <= i || k >= line.length() || line.charAt(k) != '=') {
                return "a field without key or '=' at " + i;
            }
            int v = fieldValue(line, k + 1);
            if (v < 0) {
                return "a bad field value at " + (k + 1);
            }
            i = v;
            if (i == line.length()) {
                return null;
            }
            if (line.charAt(i) == ',') {
                i++;
                continue;
            }
            if (line.charAt(i) == ' ') {
                break;
            }
            return "unexpected '" + line.charAt(i) + "' after a field at " + i;
        }
        String ts = line.substring(i + 1);
        if (!ts.matches("-?[0-9]{1,19}")) {
            return "a bad timestamp '" + ts + "'";
        }
        try {
            Long.parseLong(ts);
        } catch (NumberFormatException e) {
            return "a timestamp beyond 64 bits";
        }
        return null;
    }

    /** The end of a name starting at {@code i}: the first unescaped ',' or ' ' (or '=' for keys); -1 on a bad end. */
    private static int name(String s, int i, boolean key) {
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\\') {
                if (i + 1 >= s.length()) {
                    return -1; // a trailing backslash escapes the line's end
                }
                i += 2;
                continue;
            }
            if (c == ',' || c == ' ' || (key && c == '=')) {
                return i;
            }
            i++;
        }
        return i;
    }

    private static int fieldValue(String s, int i) {
        if (i >= s.length()) {
            return -1;
        }
        if (s.charAt(i) == '"') {
            for (int j = i + 1; j < s.length(); j++) {
                char c = s.charAt(j);
                if (c == '\\' && j + 1 < s.length()) {
                    j++;
                } else if (c == '"') {
                    return j + 1;
                }
            }
            return -1;
        }
        int end = i;
        while (end < s.length() && s.charAt(end) != ',' && s.charAt(end) != ' ') {
            end++;
        }
        String v = s.substring(i, end);
        if (v.matches("t|T|true|True|TRUE|f|F|false|False|FALSE")) {
            return end;
        }
        if (v.matches("-?[0-9]+i")) {
            return fits(v.substring(0, v.length() - 1), false) ? end : -1;
        }
        if (v.matches("[0-9]+u")) {
            return fits(v.substring(0, v.length() - 1), true) ? end : -1;
        }
        if (v.matches("-?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?")) {
            return Double.isFinite(Double.parseDouble(v)) ? end : -1;
        }
        return -1;
    }

    private static boolean fits(String digits, boolean unsigned) {
        try {
            if (unsigned) {
                Long.parseUnsignedLong(digits);
            } else {
                Long.parseLong(digits);
            }
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
