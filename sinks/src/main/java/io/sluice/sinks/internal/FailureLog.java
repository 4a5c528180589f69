package io.sluice.sinks.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Turns a flood of failures into at most one log line per failure kind per interval.
 *
 * <p>Why: when Kafka goes away, every in-flight record fails the same way, possibly hundreds of thousands per
 * second; one line per record would bury the log and cost more than the failure itself. The first failure of a
 * kind is logged at once; later ones within the interval are counted and reported with the next line of that
 * kind (or by {@link #drain} at shutdown).
 *
 * <p>Thread-safe; {@link #record} is cheap and never blocks for long (one map entry update).
 */
public final class FailureLog {
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final Map<String, Entry> byKind = new ConcurrentHashMap<>();

    private static final class Entry {
        long lastLoggedNanos;
        long suppressed;
    }

    public FailureLog(Duration interval, LongSupplier nanoClock) {
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
    }

    /** One line per kind every ten seconds, on the JVM's monotonic clock. */
    public FailureLog() {
        this(Duration.ofSeconds(10), System::nanoTime);
    }

    /**
     * Records one failure. Returns the line to log now, or null when it is folded into a later line.
     *
     * @param kind   what groups failures, e.g. {@code "RETRYABLE TimeoutException"}
     * @param detail the message of this failure, used when a line is due
     */
    public String record(String kind, String detail) {
        long now = nanoClock.getAsLong();
        String[] line = new String[1];
        byKind.compute(kind, (k, e) -> {
            if (e == null) {
                e = new Entry();
                e.lastLoggedNanos = now;
                line[0] = kind + ": " + detail;
                return e;
            }
            if (now - e.lastLoggedNanos >= intervalNanos) {
                line[0] = kind + ": " + detail + suffix(e.suppressed, now - e.lastLoggedNanos);
                e.lastLoggedNanos = now;
                e.suppressed = 0;
            } else {
                e.suppressed++;
            }
            return e;
        });
        return line[0];
    }

    /** Lines for every kind with failures not yet reported, and resets their counts; for shutdown. */
    public List<String> drain() {
        long now = nanoClock.getAsLong();
        var lines = new ArrayList<String>();
        for (String kind : byKind.keySet()) {
            byKind.computeIfPresent(kind, (k, e) -> {
                if (e.suppressed > 0) {
                    lines.add(kind + ": " + e.suppressed + " more since the last line "
                            + Duration.ofNanos(now - e.lastLoggedNanos).toSeconds() + " s ago");
                    e.suppressed = 0;
                }
                return e;
            });
        }
        return lines;
    }

    private static String suffix(long suppressed, long sinceNanos) {
        if (suppressed == 0) {
            return "";
        }
        return " (and " + suppressed + " more like it in the last " + Duration.ofNanos(sinceNanos).toSeconds()
                + " s)";
    }
}
