package io.sluice.sinks.fanout;

/** Non-negative decimal integers read straight from bytes, for the fan-out's per-record path. Stateless. */
public final class Decimal {
    private Decimal() {
    }

    /**
     * The number written in {@code b[from, to)} as ASCII digits only, or -1 when the range is empty, holds anything
     * but digits, or does not fit a long. No division per digit: up to 18 digits cannot overflow, and a 19-digit
     * number past {@link Long#MAX_VALUE} wraps to a negative value (every 19-digit number is below 2^64).
     */
    public static long parse(byte[] b, int from, int to) {
        int n = to - from;
        if (n <= 0 || n > 19) {
            return -1;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v < 0 ? -1 : v;
    }

    /** {@link #parse(byte[], int, int)} over all of {@code b}; -1 for null. */
    public static long parse(byte[] b) {
        return b == null ? -1 : parse(b, 0, b.length);
    }
}
