package io.sluice.sinks.delivery;

/**
 * A snapshot of the delivery log's counters (since start) and positions.
 *
 * @param partition        this node's delivery partition
 * @param position         the next offset the reader reads in it (-1 before start)
 * @param committed        the position last stored for it: where a restart resumes
 * @param lag              records in it not yet read
 * @param messages         records of this node handed to the listener
 * @param skipped          records of other nodes sharing the partition, read and passed over
 * @param undecodable      records not written as Sluice writes them, passed over
 * @param listenerFailures records the listener threw on
 * @param retained         retained messages held
 * @param retainedBytes    their weight (payload + 2 x topic + 200 B each)
 * @param retainedRefused  retained messages not held because of delivery.max_retained_messages or _bytes
 * @param writesDurable    appends and retains Kafka acknowledged
 * @param writesRetryable  appends and retains completed retryable (Kafka unreachable, timeout, log full)
 * @param writesRejected   appends and retains Kafka refused for good
 * @param writesRefusedFull writes refused at once because delivery.max_pending_bytes were waiting
 * @param pendingBytes     weight of the writes waiting for Kafka now
 */
public record DeliveryLogStats(int partition, long position, long committed, long lag, long messages, long skipped,
                               long undecodable, long listenerFailures, int retained, long retainedBytes,
                               long retainedRefused, long writesDurable, long writesRetryable, long writesRejected,
                               long writesRefusedFull, long pendingBytes) {
}
