package io.sluice.sinks.fanout;

import java.time.Duration;

/**
 * A write API's answer other than 2xx to one body, thrown by an {@link InfluxWriter.LineSink}: the HTTP status, the
 * server's message, its Retry-After (or null) and, for InfluxDB 1.x ({@code v1} true), how many points a
 * {@code partial write} dropped while it wrote the rest ({@link #NOT_PARTIAL} when the answer is no partial write).
 * With {@code v1} the message has InfluxDB 1.x's form, which names unparsable lines and type conflicts
 * ({@link PartialWrite}). Immutable.
 */
public final class WriteRefused extends RuntimeException {
    public static final int NOT_PARTIAL = -1;
    private final int status;
    private final transient Duration retryAfter;
    private final int dropped;
    private final boolean v1;

    public WriteRefused(int status, String message, Duration retryAfter, int dropped, boolean v1, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.retryAfter = retryAfter;
        this.dropped = dropped;
        this.v1 = v1;
    }

    /** HTTP status, or 0 when no response came. */
    public int status() {
        return status;
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    /** Points a partial write dropped as the server counted them, or {@link #NOT_PARTIAL}. */
    public int dropped() {
        return dropped;
    }

    /** True when the server wrote every point of the body but the ones it dropped. */
    public boolean partial() {
        return dropped != NOT_PARTIAL;
    }

    /** True when the message has InfluxDB 1.x's form (names unparsable lines and type conflicts). */
    public boolean v1() {
        return v1;
    }
}
