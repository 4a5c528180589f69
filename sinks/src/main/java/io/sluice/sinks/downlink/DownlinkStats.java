package io.sluice.sinks.downlink;

/**
 * What {@code sluice status} and /metrics show of the downlink. Counters are totals since start.
 *
 * @param read        records read from the downlink topic
 * @param published   records the publish path made durable (delivery log and retained writes acknowledged, or no
 *                    subscriber matched)
 * @param undecodable records skipped because they do not decode (no {@code sluice.topic}, a wildcard, a bad QoS, ...)
 * @param refused     records the publish path refused for good (retained messages full), counted and skipped
 * @param retries     publishes tried again after a retryable outcome (Kafka slow or down)
 * @param pending     records read and not finished yet (at most {@code downlink.max_pending_records})
 * @param pendingBytes bytes (keys, values, headers) of those records (at most {@code downlink.max_pending_bytes},
 *                    but for a single larger record taken alone)
 * @param paused      true while the consumer's partitions are paused because a bound is reached (either)
 * @param pauses      times the partitions were paused (either bound)
 * @param pausedByBytes true while they are paused by {@code downlink.max_pending_bytes}
 * @param bytePauses  times they were paused by it
 * @param oversized   records larger than {@code downlink.max_pending_bytes}, each taken alone
 * @param partitions  partitions of the downlink topic this node reads now
 * @param lag         records of those partitions not read yet
 * @param uncommitted records read whose offsets are not committed yet (a restart would read them again)
 * @param commits     offset commits Kafka acknowledged
 */
public record DownlinkStats(long read, long published, long undecodable, long refused, long retries, long pending,
                            long pendingBytes, boolean paused, long pauses, boolean pausedByBytes, long bytePauses,
                            long oversized, int partitions, long lag, long uncommitted, long commits) {
}
