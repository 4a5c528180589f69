package io.sluice.sinks.fanout;

/**
 * The fast path from a JSON payload to a line of line protocol: reads the payload's bytes once and writes the fields
 * as it goes, without building a tree, a map or a string per key. It takes the common shape only: ASCII, an object of
 * numbers, booleans, nulls, strings and nested objects, keys and strings without escapes, numbers without an
 * exponent, no repeated keys. For anything else it answers null and the caller takes the general path
 * ({@link Json} and flattening), which also names the reason when a payload is malformed. Numbers are copied as
 * written: a line-protocol number without a suffix is a float, as every JSON number becomes. Stateless.
 */
final class JsonLine {
    private static final int MAX_FIELDS = 64;

    private JsonLine() {
    }

    /**
     * The line for {@code payload} with series {@code series} (escaped measurement and tags), or null when the fast
     * path does not take this payload.
     *
     * @param separator      joins the keys of nested objects
     * @param timestampField the field holding the time (removed from the fields), or null for {@code receivedNs}
     * @param precision      converts that field's integer to nanoseconds; throws ArithmeticException on overflow
     */
    static String render(byte[] payload, String series, String separator, String timestampField,
                         java.util.function.LongUnaryOperator precision, long receivedNs) {
        Cursor c = new Cursor(payload, separator, timestampField);
        c.fields = new StringBuilder(payload.length + 16);
        c.ws();
        if (!c.object(0)) {
            return null;
        }
        c.ws();
        if (c.pos != payload.length || c.fieldCount == 0 || (timestampField != null && !c.tsFound)) {
            return null;
        }
        long ts = receivedNs;
        if (timestampField != null) {
            try {
                ts = precision.applyAsLong(c.tsValue);
            } catch (ArithmeticException e) {
                return null;
            }
        }
        StringBuilder line = new StringBuilder(series.length() + c.fields.length() + 22);
        return line.append(series).append(' ').append(c.fields).append(' ').append(ts).toString();
    }

    private static final class Cursor {
        final byte[] b;
        final String separator;
        final String timestampField;
        int pos;
        StringBuilder fields;
        /** The current key path, unescaped (prefix + separator + key), to find the timestamp field. */
        final StringBuilder key = new StringBuilder(32);
        long[] keyHashes = new long[8];
        int fieldCount;
        int keyCount;
        boolean tsFound;
        long tsValue;

        Cursor(byte[] b, String separator, String timestampField) {
            this.b = b;
            this.separator = separator;
            this.timestampField = timestampField;
        }

        void ws() {
            while (pos < b.length && (b[pos] == ' ' || b[pos] == '\t' || b[pos] == '\n' || b[pos] == '\r')) {
                pos++;
            }
        }

        /** Reads an object whose key path so far is {@code key[0, prefixLength)}; false to give up. */
        boolean object(int prefixLength) {
            if (pos >= b.length || b[pos] != '{') {
                return false;
            }
            pos++;
            ws();
            if (pos < b.length && b[pos] == '}') {
                pos++;
                return true;
            }
            while (true) {
                ws();
                key.setLength(prefixLength);
                if (prefixLength > 0) {
                    key.append(separator);
                }
                if (!keyInto()) {
                    return false;
                }
                ws();
                if (pos >= b.length || b[pos] != ':') {
                    return false;
                }
                pos++;
                ws();
                if (pos >= b.length) {
                    return false;
                }
                byte v = b[pos];
                if (v == '{') {
                    if (!object(key.length())) {
                        return false;
                    }
                } else if (!field(v)) {
                    return false;
                }
                ws();
                if (pos >= b.length) {
                    return false;
                }
                if (b[pos] == ',') {
                    pos++;
                } else if (b[pos] == '}') {
                    pos++;
                    return true;
                } else {
                    return false;
                }
            }
        }

        /** Appends a key without escapes to {@link #key}; false for anything else. */
        private boolean keyInto() {
            if (pos >= b.length || b[pos] != '"') {
                return false;
            }
            int i = pos + 1;
            for (; i < b.length; i++) {
                byte ch = b[i];
                if (ch == '"') {
                    break;
                }
                if (ch == '\\' || ch < 0x20) { // escapes (and non-ASCII, negative) go the general way
                    return false;
                }
                key.append((char) ch);
            }
            if (i >= b.length) {
                return false;
            }
            pos = i + 1;
            return true;
        }

        /** A scalar value for the key path in {@link #key}: rendered as a field, or taken as the timestamp. */
        private boolean field(byte v) {
            boolean isTimestamp = timestampField != null && timestampField.contentEquals(key);
            if (!newKey()) {
                return false;
            }
            if (v == 'n') {
                if (!literal("null")) {
                    return false;
                }
                return !isTimestamp; // a null is no field; a null timestamp is the general path's error
            }
            if (isTimestamp) {
                return timestamp();
            }
            int mark = fields.length();
            if (fieldCount > 0) {
                fields.append(',');
            }
            LineProtocol.key(fields, key);
            fields.append('=');
            boolean ok;
            if (v == '"') {
                ok = string();
            } else if (v == 't') {
                ok = literal("true");
                fields.append("true");
            } else if (v == 'f') {
                ok = literal("false");
                fields.append("false");
            } else if (v == '-' || (v >= '0' && v <= '9')) {
                ok = number();
            } else {
                ok = false; // arrays and anything else
            }
            if (!ok) {
                fields.setLength(mark);
                return false;
            }
            fieldCount++;
            return true;
        }

        /** Records the key path's hash; false when it repeats one (or there are too many keys). */
        private boolean newKey() {
            if (keyCount == MAX_FIELDS) {
                return false;
            }
            long h = 1125899906842597L;
            for (int i = 0; i < key.length(); i++) {
                h = 31 * h + key.charAt(i);
            }
            for (int i = 0; i < keyCount; i++) {
                if (keyHashes[i] == h) {
                    return false; // a repeated key (or a collision): the general path decides which value wins
                }
            }
            if (keyCount == keyHashes.length) {
                keyHashes = java.util.Arrays.copyOf(keyHashes, Math.min(MAX_FIELDS, keyCount * 2));
            }
            keyHashes[keyCount++] = h;
            return true;
        }

        private boolean literal(String word) {
            int n = word.length();
            if (pos + n > b.length) {
                return false;
            }
            for (int i = 0; i < n; i++) {
                if (b[pos + i] != word.charAt(i)) {
                    return false;
                }
            }
            pos += n;
            return true;
        }

        private boolean string() {
            int start = ++pos;
            while (pos < b.length) {
                byte ch = b[pos];
                if (ch == '"') {
                    fields.append('"');
                    for (int i = start; i < pos; i++) {
                        fields.append((char) b[i]);
                    }
                    fields.append('"');
                    pos++;
                    return true;
                }
                if (ch == '\\' || ch < 0x20) {
                    return false;
                }
                pos++;
            }
            return false;
        }

        /** A JSON number without exponent, copied as written. */
        private boolean number() {
            int start = pos;
            if (!integerPart()) {
                return false;
            }
            if (pos < b.length && b[pos] == '.') {
                pos++;
                int digits = pos;
                while (pos < b.length && b[pos] >= '0' && b[pos] <= '9') {
                    pos++;
                }
                if (pos == digits) {
                    return false;
                }
            }
            if (pos < b.length && (b[pos] == 'e' || b[pos] == 'E')) {
                return false;
            }
            for (int i = start; i < pos; i++) {
                fields.append((char) b[i]);
            }
            return true;
        }

        private boolean integerPart() {
            if (pos < b.length && b[pos] == '-') {
                pos++;
            }
            if (pos >= b.length || b[pos] < '0' || b[pos] > '9') {
                return false;
            }
            if (b[pos] == '0') {
                pos++;
                return pos >= b.length || b[pos] < '0' || b[pos] > '9';
            }
            while (pos < b.length && b[pos] >= '0' && b[pos] <= '9') {
                pos++;
            }
            return true;
        }

        /** The timestamp field: an integer that fits a long. */
        private boolean timestamp() {
            int start = pos;
            if (!integerPart()) {
                return false;
            }
            if (pos < b.length && (b[pos] == '.' || b[pos] == 'e' || b[pos] == 'E')) {
                return false;
            }
            boolean negative = b[start] == '-';
            long value = 0;
            for (int i = negative ? start + 1 : start; i < pos; i++) {
                int d = b[i] - '0';
                if (value > (Long.MAX_VALUE - d) / 10) {
                    return false;
                }
                value = value * 10 + d;
            }
            tsValue = negative ? -value : value;
            tsFound = true;
            return true;
        }
    }
}
