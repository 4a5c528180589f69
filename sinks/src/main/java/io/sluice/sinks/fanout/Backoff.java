package io.sluice.sinks.fanout;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Exponential backoff with full jitter, never shorter than a server's Retry-After. Not thread-safe.
 * The n-th delay is drawn uniformly from [base/2, base] where base = min(max, initial * 2^n).
 */
public final class Backoff {
    private final long initialMillis;
    private final long maxMillis;
    private final LongSupplier random;
    private int attempt;

    /** @param random source of random longs for the jitter (injected so tests are deterministic) */
    public Backoff(Duration initial, Duration max, LongSupplier random) {
        this.initialMillis = Math.max(1, initial.toMillis());
        this.maxMillis = Math.max(initialMillis, max.toMillis());
        this.random = random;
    }

    /** The delay before the next retry; {@code retryAfter} (may be null) is a lower bound from the server. */
    public Duration next(Duration retryAfter) {
        long base = initialMillis << Math.min(attempt, 30);
        base = base <= 0 ? maxMillis : Math.min(maxMillis, base);
        attempt++;
        long half = base / 2;
        long jitter = half == 0 ? 0 : Math.floorMod(random.getAsLong(), half + 1);
        long delay = half + jitter;
        if (retryAfter != null) {
            delay = Math.max(delay, retryAfter.toMillis());
        }
        return Duration.ofMillis(delay);
    }

    public int attempts() {
        return attempt;
    }

    public void reset() {
        attempt = 0;
    }
}
