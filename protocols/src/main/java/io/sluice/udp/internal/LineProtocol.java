package io.sluice.udp.internal;

import java.nio.charset.StandardCharsets;

/**
 * Validates InfluxDB line-protocol lines in place, without allocating except for the measurement name of a
 * good line. Grammar per the InfluxDB line protocol reference: {@code measurement[,tag=v...] field=v[,f=v...]
 * [timestamp]} with backslash escapes (comma and space in measurements; comma, equals and space in tag and field
 * keys and tag values; double quote and backslash inside string field values).
 *
 * <p>Stateless and thread-safe.
 */
public final class LineProtocol {
    private LineProtocol() {
    }

    /** Returns the unescaped measurement of a valid line in {@code b[from, to)}, or null if it is malformed. */
    public static String measurement(byte[] b, int from, int to) {
        int i = from;
        // measurement: up to an unescaped ',' or ' '
        int mEnd = scanName(b, i, to, false);
        if (mEnd <= i || mEnd >= to) {
            return null;
        }
        String measurement = unescape(b, i, mEnd);
        i = mEnd;
        while (b[i] == ',') {
            int kEnd = scanName(b, i + 1, to, true);
            if (kEnd <= i + 1 || kEnd >= to || b[kEnd] != '=') {
                return null;
            }
            int vEnd = scanName(b, kEnd + 1, to, false);
            if (vEnd <= kEnd + 1 || vEnd >= to) {
                return null;
            }
            i = vEnd;
        }
        if (b[i] != ' ') {
            return null;
        }
        i++;
        // field set: at least one key=value
        while (true) {
            int kEnd = scanName(b, i, to, true);
            if (kEnd <= i || kEnd >= to || b[kEnd] != '=') {
                return null;
            }
            i = fieldValue(b, kEnd + 1, to);
            if (i < 0) {
                return null;
            }
            if (i == to) {
                return measurement;
            }
            if (b[i] == ',') {
                i++;
                continue;
            }
            if (b[i] == ' ') {
                break;
            }
            return null;
        }
        i++;
        return timestamp(b, i, to) ? measurement : null;
    }

    /** Index of the first unescaped ',' or ' ' (and '=' when {@code stopAtEquals}), or -1 on a bad escape. */
    private static int scanName(byte[] b, int i, int to, boolean stopAtEquals) {
        while (i < to) {
            byte c = b[i];
            if (c == '\\') {
                if (i + 1 >= to) {
                    return -1;
                }
                i += 2;
                continue;
            }
            if (c == ',' || c == ' ' || (stopAtEquals && c == '=') || c == '\n' || c == '\r') {
                return i;
            }
            i++;
        }
        return i;
    }

    private static int fieldValue(byte[] b, int i, int to) {
        if (i >= to) {
            return -1;
        }
        if (b[i] == '"') {
            i++;
            while (i < to) {
                if (b[i] == '\\' && i + 1 < to) {
                    i += 2;
                } else if (b[i] == '"') {
                    return i + 1;
                } else {
                    i++;
                }
            }
            return -1;
        }
        int start = i;
        while (i < to && b[i] != ',' && b[i] != ' ') {
            i++;
        }
        return validScalar(b, start, i) ? i : -1;
    }

    private static boolean validScalar(byte[] b, int from, int to) {
        String s = new String(b, from, to - from, StandardCharsets.US_ASCII);
        switch (s) {
            case "t", "T", "true", "True", "TRUE", "f", "F", "false", "False", "FALSE":
                return true;
            default:
                break;
        }
        char last = s.isEmpty() ? 0 : s.charAt(s.length() - 1);
        if (last == 'i' || last == 'u') {
            String digits = s.substring(0, s.length() - 1);
            if (last == 'u' && digits.startsWith("-")) {
                return false;
            }
            return isInteger(digits);
        }
        if (s.isEmpty() || !(Character.isDigit(s.charAt(0)) || s.charAt(0) == '-' || s.charAt(0) == '.'
                || s.charAt(0) == '+')) {
            return false;
        }
        try {
            double d = Double.parseDouble(s);
            return !Double.isNaN(d) && !Double.isInfinite(d);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean isInteger(String s) {
        int i = s.startsWith("-") ? 1 : 0;
        if (i >= s.length() || s.length() - i > 20) {
            return false;
        }
        for (; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean timestamp(byte[] b, int from, int to) {
        int i = from;
        if (i < to && b[i] == '-') {
            i++;
        }
        if (i >= to || to - i > 19) {
            return false;
        }
        for (; i < to; i++) {
            if (b[i] < '0' || b[i] > '9') {
                return false;
            }
        }
        return true;
    }

    private static String unescape(byte[] b, int from, int to) {
        StringBuilder sb = null;
        int start = from;
        for (int i = from; i < to; i++) {
            if (b[i] == '\\' && i + 1 < to && (b[i + 1] == ',' || b[i + 1] == ' ')) {
                if (sb == null) {
                    sb = new StringBuilder();
                }
                sb.append(new String(b, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
                i++;
            }
        }
        String tail = new String(b, start, to - start, StandardCharsets.UTF_8);
        return sb == null ? tail : sb.append(tail).toString();
    }
}
