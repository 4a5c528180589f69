package io.sluice.sinks.delivery.internal;

import io.sluice.sinks.delivery.DeliveryLogException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads the retained partitions from where the consumer stands to the end offsets taken when it starts, handing each
 * record on; other assigned partitions must be paused. Leaves the retained partitions resumed, positioned after what
 * it read, for the live reading that follows. One use; runs on the caller's thread and blocks up to the deadline.
 */
final class RetainedLoad {
    private final org.apache.kafka.clients.consumer.Consumer<String, byte[]> consumer;
    private final List<TopicPartition> partitions;
    private final String topic;
    private final Duration poll;

    RetainedLoad(org.apache.kafka.clients.consumer.Consumer<String, byte[]> consumer, List<TopicPartition> partitions,
                 String topic, Duration poll) {
        this.consumer = consumer;
        this.partitions = partitions;
        this.topic = topic;
        this.poll = poll;
    }

    /** Returns the number of records read. */
    long run(long deadline, Consumer<ConsumerRecord<String, byte[]>> each) {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, DeliveryReader.remaining(deadline));
        Set<TopicPartition> unfinished = new HashSet<>(partitions);
        long read = 0;
        removeFinished(unfinished, end, deadline);
        while (!unfinished.isEmpty()) {
            if (System.nanoTime() >= deadline) {
                throw new DeliveryLogException("retained topic '" + topic + "' not read to its end in time ("
                        + unfinished.size() + " of " + partitions.size() + " partitions unfinished, " + read
                        + " records read); raise kafka.startup_timeout_ms or lower delivery.max_retained_messages", null);
            }
            for (ConsumerRecord<String, byte[]> r : consumer.poll(poll)) {
                read++;
                each.accept(r);
            }
            removeFinished(unfinished, end, deadline);
        }
        consumer.resume(partitions);
        return read;
    }

    private void removeFinished(Set<TopicPartition> unfinished, Map<TopicPartition, Long> end, long deadline) {
        // the position, not the last offset seen: compaction leaves gaps, and the end may lie past the last record
        var finished = new ArrayList<TopicPartition>();
        for (TopicPartition tp : unfinished) {
            if (consumer.position(tp, DeliveryReader.remaining(deadline)) >= end.getOrDefault(tp, 0L)) {
                finished.add(tp);
            }
        }
        consumer.pause(finished); // what is done waits, so the rest gets the whole fetch
        finished.forEach(unfinished::remove);
    }
}
