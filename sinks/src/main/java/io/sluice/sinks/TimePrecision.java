package io.sluice.sinks;

/** Unit of a timestamp found in a payload; points are always written in nanoseconds. */
public enum TimePrecision {
    NS(1L), US(1_000L), MS(1_000_000L), S(1_000_000_000L);

    private final long nanos;

    TimePrecision(long nanos) {
        this.nanos = nanos;
    }

    /** Converts a timestamp in this precision to nanoseconds; throws ArithmeticException on overflow. */
    public long toNanos(long value) {
        return Math.multiplyExact(value, nanos);
    }
}
