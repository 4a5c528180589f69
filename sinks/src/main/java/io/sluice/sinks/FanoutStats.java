package io.sluice.sinks;

import java.util.Map;

/**
 * Counters of one fan-out since it started, for metrics and {@code sluice status}.
 *
 * @param pointsWritten        points the TSDB accepted (a retried batch counts once)
 * @param batches              batches written
 * @param retries              write attempts that found the TSDB unavailable
 * @param deadLettered         points or records sent to the dead-letter topic (counted once Kafka acknowledged them)
 * @param deadLetteredByReason the same, by reason ({@code malformed_json}, {@code rejected_by_tsdb}, ...)
 * @param skipped              records no rule matched, skipped because dead-lettering them is off
 * @param paused               true while partitions are paused waiting for the TSDB
 * @param lag                  records in the assigned partitions not yet committed (written or dead-lettered),
 *                             as last measured (every few seconds); -1 before the first measurement
 * @param writeNanos           total time spent in TSDB write requests that succeeded
 * @param tsdbError            while the writer retries a batch: why the TSDB did not take it (e.g. {@code HTTP 404:
 *                             database not found: "sensors"}, {@code HTTP 401: authorization failed}); empty once a
 *                             write went through
 */
public record FanoutStats(long pointsWritten, long batches, long retries, long deadLettered,
                          Map<String, Long> deadLetteredByReason, long skipped, boolean paused, long lag,
                          long writeNanos, String tsdbError) {

    public FanoutStats {
        deadLetteredByReason = Map.copyOf(deadLetteredByReason);
        tsdbError = tsdbError == null ? "" : tsdbError;
    }

    /** Counters with no TSDB error. */
    public FanoutStats(long pointsWritten, long batches, long retries, long deadLettered,
                       Map<String, Long> deadLetteredByReason, long skipped, boolean paused, long lag,
                       long writeNanos) {
        this(pointsWritten, batches, retries, deadLettered, deadLetteredByReason, skipped, paused, lag, writeNanos,
                "");
    }

    /**
     * Sums of several fan-out members of one process (lag: sum of the known values, -1 if none is known; the first
     * member's TSDB error).
     */
    public static FanoutStats sum(Iterable<FanoutStats> all) {
        long w = 0, b = 0, r = 0, d = 0, s = 0, lag = -1, nanos = 0;
        boolean paused = false;
        String error = "";
        var reasons = new java.util.TreeMap<String, Long>();
        for (FanoutStats f : all) {
            w += f.pointsWritten;
            b += f.batches;
            r += f.retries;
            d += f.deadLettered;
            s += f.skipped;
            nanos += f.writeNanos;
            paused |= f.paused;
            error = error.isEmpty() ? f.tsdbError : error;
            if (f.lag >= 0) {
                lag = Math.max(lag, 0) + f.lag;
            }
            f.deadLetteredByReason.forEach((k, v) -> reasons.merge(k, v, Long::sum));
        }
        return new FanoutStats(w, b, r, d, reasons, s, paused, lag, nanos, error);
    }
}
