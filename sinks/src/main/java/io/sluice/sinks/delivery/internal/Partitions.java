package io.sluice.sinks.delivery.internal;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/** Which partition of the delivery topic belongs to a node: Kafka's own key hash, so every node agrees. */
public final class Partitions {
    private Partitions() {
    }

    /** {@code toPositive(murmur2(UTF-8 of nodeId)) % partitions}, what Kafka's default partitioner picks for the key. */
    public static int of(String nodeId, int partitions) {
        return Utils.toPositive(Utils.murmur2(nodeId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
