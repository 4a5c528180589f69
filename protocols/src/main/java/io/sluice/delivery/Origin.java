package io.sluice.delivery;

import java.util.Objects;

/**
 * Where a downlink message came from (docs/DELIVERY.md, "Downlink receipts"): the downlink record's topic, partition,
 * offset and key. It travels with the message through the delivery log (the {@code sluice.origin} headers,
 * docs/RECORDS.md), a handover between nodes and a restart, so that the fate of each copy can be reported against it
 * in a receipt. Immutable.
 *
 * @param topic     the downlink topic
 * @param partition its partition
 * @param offset    the record's offset there
 * @param key       the record's key as UTF-8 text (how the downlink reads keys), or null when it had none
 */
public record Origin(String topic, int partition, long offset, String key) {
    public Origin {
        Objects.requireNonNull(topic, "topic");
        if (partition < 0 || offset < 0) {
            throw new IllegalArgumentException("partition " + partition + ", offset " + offset);
        }
    }

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset;
    }
}
