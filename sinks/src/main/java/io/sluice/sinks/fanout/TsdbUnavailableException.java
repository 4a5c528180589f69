package io.sluice.sinks.fanout;

import java.time.Duration;

/**
 * The TSDB cannot take writes for now (429, 5xx, timeout, connection refused): the whole batch is kept for retry.
 * {@code retryAfter} is the server's Retry-After, or null.
 */
public final class TsdbUnavailableException extends Exception {
    private final int status;
    private final Duration retryAfter;

    public TsdbUnavailableException(int status, Duration retryAfter, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.retryAfter = retryAfter;
    }

    /** HTTP status, or 0 when no response came (timeout, connection error). */
    public int status() {
        return status;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
