package io.sluice.sinks;

/**
 * Counters of one fan-out since it started, for metrics and {@code sluice status}.
 *
 * @param pointsWritten points the TSDB accepted (a retried batch counts once)
 * @param batches       batches written
 * @param retries       write attempts that found the TSDB unavailable
 * @param deadLettered  points or records sent to the dead-letter topic
 * @param skipped       records no rule matched, skipped because dead-lettering them is off
 * @param paused        true while partitions are paused waiting for the TSDB
 */
public record FanoutStats(long pointsWritten, long batches, long retries, long deadLettered, long skipped,
                          boolean paused) {
}
