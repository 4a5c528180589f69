package io.sluice.sinks.delivery.internal;

import io.sluice.sinks.delivery.DeliveryLogConfig;
import io.sluice.sinks.delivery.DeliveryLogException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Checks, before anything is read, that both delivery topics exist and that the delivery topic has the partitions
 * every node computes with: a node that counted differently would read another node's partition and miss its own.
 * Runs on the caller's thread; blocks up to the deadline.
 */
final class TopicLayout {
    private static final long MISSING_GRACE_NANOS = 5_000_000_000L;

    private final Consumer<String, byte[]> consumer;
    private final DeliveryLogConfig config;

    TopicLayout(Consumer<String, byte[]> consumer, DeliveryLogConfig config) {
        this.consumer = consumer;
        this.config = config;
    }

    /** Returns the retained topic's partitions. */
    List<TopicPartition> check(long deadline) {
        List<PartitionInfo> delivery = partitions(config.topic(), "delivery.topic", deadline);
        if (delivery.size() != config.partitions()) {
            throw new DeliveryLogException("delivery topic '" + config.topic() + "' has " + delivery.size()
                    + " partitions, delivery.partitions says " + config.partitions() + ": every node must count"
                    + " the same (set delivery.partitions to " + delivery.size() + ", or use another delivery.topic)",
                    null);
        }
        var out = new ArrayList<TopicPartition>();
        for (PartitionInfo p : partitions(config.retainedTopic(), "delivery.retained_topic", deadline)) {
            out.add(new TopicPartition(p.topic(), p.partition()));
        }
        return out;
    }

    /** A topic created a moment ago may not be known to the broker asked yet: asked again for a few seconds. */
    private List<PartitionInfo> partitions(String topic, String key, long deadline) {
        long missingDeadline = Math.min(deadline, System.nanoTime() + MISSING_GRACE_NANOS);
        while (true) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, DeliveryReader.remaining(deadline));
            if (infos != null && !infos.isEmpty()) {
                return infos;
            }
            if (System.nanoTime() >= missingDeadline) {
                throw new DeliveryLogException("topic '" + topic + "' (" + key + ") does not exist; create it first"
                        + " (kafka.create_topics does)", null);
            }
            try {
                Thread.sleep(100); // between metadata requests, at start-up only
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DeliveryLogException("interrupted while looking for topic '" + topic + "'", e);
            }
        }
    }
}
