package io.sluice.sinks.downlink;

/**
 * What {@code sluice status} (section downlink, {@code receipts}) and /metrics show of the receipts writer. Counters
 * are totals since start.
 *
 * @param written      receipts Kafka acknowledged
 * @param failed       sends Kafka failed (each is tried again after a backoff, so a receipt may count more than once)
 * @param held         receipts not taken because {@code downlink.receipts_max_pending_bytes} was reached: their
 *                     positions stay unfinished, so the messages are delivered again after the next start
 * @param pending      receipts taken and not yet acknowledged
 * @param pendingBytes their weight (at most {@code downlink.receipts_max_pending_bytes}, but for one larger alone)
 */
public record ReceiptStats(long written, long failed, long held, long pending, long pendingBytes) {
}
