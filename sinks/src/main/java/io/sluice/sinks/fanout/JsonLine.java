package io.sluice.sinks.fanout;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The fast path from a JSON payload to a line of line protocol: reads the payload's bytes once and writes the fields
 * as it goes, without building a tree, a map or a string per key. It takes the common shape only: ASCII, an object of
 * numbers, booleans, nulls, strings and nested objects, keys and strings without escapes, numbers without an
 * exponent, no repeated keys. For anything else it answers null and the caller takes the general path
 * ({@link Json} and flattening), which also names the reason when a payload is malformed. Numbers are copied as
 * written: a line-protocol number without a suffix is a float, as every JSON number becomes. Thread-safe: the
 * caller passes a cursor that only its thread uses (reused record after record).
 *
 * <p>Bounded as {@link Json} is: it gives up (null) on nesting deeper than {@link Json#MAX_DEPTH}, on a number longer
 * than {@link Json#MAX_NUMBER_LENGTH} and on a line longer than the general path's key budget allows, so the general
 * path names the reason; its recursion is never deeper than {@link Json#MAX_DEPTH}.
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
        byte[] seriesUtf8 = utf8(series);
        io.sluice.sinks.Point p = point(new Cursor(), payload, "m", seriesUtf8, seriesUtf8.length, ascii(seriesUtf8),
                utf8(separator), timestampField == null ? null : utf8(timestampField), precision, receivedNs);
        return p == null ? null : p.line();
    }

    /**
     * The point for {@code payload}, or null when the fast path does not take it; as
     * {@link #render(byte[], String, String, String, java.util.function.LongUnaryOperator, long)}, with the series,
     * separator and timestamp field (null: none) given as UTF-8 bytes so that nothing is encoded per record.
     *
     * @param c            the calling thread's cursor
     * @param seriesLength how many bytes of {@code series} hold it
     * @param seriesAscii  whether the series is all ASCII (the line is then copied, not decoded, into a string)
     */
    static io.sluice.sinks.Point point(Cursor c, byte[] payload, String measurement, byte[] series,
                                       int seriesLength, boolean seriesAscii,
                                       byte[] separator, byte[] timestampField,
                                       java.util.function.LongUnaryOperator precision, long receivedNs) {
        c.reset(payload, separator, timestampField);
        c.put(series, 0, seriesLength); // the series, a space, then the fields as they are read
        c.put((byte) ' ');
        c.ws();
        c.maxLen = seriesLength + 1 + (long) ReadingDecoder.FLAT_KEYS_PER_PAYLOAD_CHAR * payload.length
                + ReadingDecoder.FLAT_KEYS_SLACK;
        if (!c.object(0, 1)) {
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
        c.put((byte) ' ');
        c.putLong(ts);
        // the fields the fast path writes are ASCII: only the series may need decoding
        String line = new String(c.out, 0, c.len, seriesAscii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        return new io.sluice.sinks.Point(measurement, line, ts);
    }

    static boolean ascii(byte[] b) {
        return ascii(b, 0, b.length);
    }

    /** Whether {@code b[from, to)} is all ASCII. */
    static boolean ascii(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] < 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** One per thread, reused: the per-record path allocates the line and nothing else of its own. */
    static final class Cursor {
        /** Buffers that grew past this are dropped after use, so one huge payload does not pin its memory. */
        private static final int KEEP_CAPACITY = 16 * 1024;
        private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
        private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
        byte[] b;
        byte[] separator;
        byte[] timestampField;
        int pos;
        /** The line being written: {@code out[0, len)}. */
        byte[] out = new byte[256];
        int len;
        /** The current key path, unescaped (prefix + separator + key), to find the timestamp field. */
        byte[] key = new byte[64];
        int keyLen;
        long[] keyHashes = new long[8];
        int fieldCount;
        int keyCount;
        boolean tsFound;
        long tsValue;
        /** The longest line this payload may make (a bound on the work of one record). */
        long maxLen;

        void reset(byte[] payload, byte[] separator, byte[] timestampField) {
            this.b = payload;
            this.separator = separator;
            this.timestampField = timestampField;
            pos = 0;
            fieldCount = 0;
            keyCount = 0;
            tsFound = false;
            tsValue = 0;
            if (out.length > KEEP_CAPACITY) {
                out = new byte[256];
            }
            len = 0;
            if (key.length > KEEP_CAPACITY) {
                key = new byte[64];
            }
            keyLen = 0;
        }

        /** {@code a} itself when it has room for {@code more} bytes past {@code used}, else a larger copy. */
        private static byte[] room(byte[] a, int used, int more) {
            return used + more <= a.length ? a : Arrays.copyOf(a, Math.max(a.length * 2, used + more));
        }

        void put(byte x) {
            out = room(out, len, 1);
            out[len++] = x;
        }

        void put(byte[] src, int from, int to) {
            int n = to - from;
            out = room(out, len, n);
            System.arraycopy(src, from, out, len, n);
            len += n;
        }

        /** Appends {@code v} in decimal, two digits per division. */
        void putLong(long v) {
            if (v == Long.MIN_VALUE) {
                byte[] digits = Long.toString(v).getBytes(StandardCharsets.US_ASCII);
                put(digits, 0, digits.length);
                return;
            }
            if (v < 0) {
                put((byte) '-');
                v = -v;
            }
            int digits = 1;
            for (long p = 10; digits < 19 && v >= p; p *= 10) {
                digits++;
            }
            out = room(out, len, digits);
            int i = len + digits;
            while (v >= 100) {
                int r = (int) (v % 100);
                v /= 100;
                out[--i] = (byte) ('0' + r % 10);
                out[--i] = (byte) ('0' + r / 10);
            }
            if (v >= 10) {
                out[--i] = (byte) ('0' + v % 10);
                out[--i] = (byte) ('0' + v / 10);
            } else {
                out[--i] = (byte) ('0' + v);
            }
            len += digits;
        }

        /** Appends to the key path. */
        void keyPut(byte[] src, int from, int to) {
            int n = to - from;
            key = room(key, keyLen, n);
            System.arraycopy(src, from, key, keyLen, n);
            keyLen += n;
        }

        /** The key path as a field key: {@code , = space} and backslash escaped, line breaks as escaped spaces. */
        void putKey() {
            for (int i = 0; i < keyLen; i++) {
                byte ch = key[i];
                if (ch == '\n' || ch == '\r') {
                    put((byte) '\\');
                    put((byte) ' ');
                    continue;
                }
                if (ch == ',' || ch == '=' || ch == ' ' || ch == '\\') {
                    put((byte) '\\');
                }
                put(ch);
            }
        }

        void ws() {
            while (pos < b.length && (b[pos] == ' ' || b[pos] == '\t' || b[pos] == '\n' || b[pos] == '\r')) {
                pos++;
            }
        }

        /**
         * Reads an object at nesting level {@code depth} whose key path so far is {@code key[0, prefixLength)}; false
         * to give up.
         */
        boolean object(int prefixLength, int depth) {
            if (pos >= b.length || b[pos] != '{' || depth > Json.MAX_DEPTH) {
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
                keyLen = prefixLength;
                if (prefixLength > 0) {
                    keyPut(separator, 0, separator.length);
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
                    if (!object(keyLen, depth + 1)) {
                        return false;
                    }
                } else if (!field(v) || len > maxLen) {
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
            }
            if (i >= b.length || (i == pos + 1 && keyLen == 0)) {
                return false; // an empty field name goes the general way, which refuses it
            }
            keyPut(b, pos + 1, i);
            pos = i + 1;
            return true;
        }

        /** A scalar value for the key path in {@link #key}: rendered as a field, or taken as the timestamp. */
        private boolean field(byte v) {
            boolean isTimestamp = timestampField != null
                    && Arrays.equals(timestampField, 0, timestampField.length, key, 0, keyLen);
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
            int mark = len;
            if (fieldCount > 0) {
                put((byte) ',');
            }
            putKey();
            put((byte) '=');
            boolean ok;
            if (v == '"') {
                ok = string();
            } else if (v == 't') {
                ok = literal("true");
                put(TRUE, 0, TRUE.length);
            } else if (v == 'f') {
                ok = literal("false");
                put(FALSE, 0, FALSE.length);
            } else if (v == '-' || (v >= '0' && v <= '9')) {
                ok = number();
            } else {
                ok = false; // arrays and anything else
            }
            if (!ok) {
                len = mark;
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
            for (int i = 0; i < keyLen; i++) {
                h = 31 * h + key[i];
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
                    put(b, start - 1, pos + 1); // quotes and all: nothing inside needs escaping (see below)
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
            if ((pos < b.length && (b[pos] == 'e' || b[pos] == 'E')) || pos - start > Json.MAX_NUMBER_LENGTH) {
                return false;
            }
            put(b, start, pos);
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
            long value = Decimal.parse(b, negative ? start + 1 : start, pos);
            if (value < 0) {
                return false;
            }
            tsValue = negative ? -value : value;
            tsFound = true;
            return true;
        }
    }
}
