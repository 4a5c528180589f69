package io.sluice.sinks;

/**
 * A session store operation failed: a write was not acknowledged, or the topic could not be read to its end.
 * The message names the topic (and the key, for writes) and the cause.
 */
public class SessionLogException extends RuntimeException {
    private final boolean retryable;

    public SessionLogException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** True when trying again may succeed (broker unreachable, timeout), false for e.g. authorization. */
    public boolean retryable() {
        return retryable;
    }
}
