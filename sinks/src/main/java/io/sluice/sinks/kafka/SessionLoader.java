package io.sluice.sinks.kafka;

import io.sluice.sinks.SessionLogException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads a compacted topic from the beginning to the end offsets taken at the start, keeping the latest value per
 * key. One use per instance; runs on the calling thread and blocks up to the timeout.
 */
final class SessionLoader {
    private static final Duration MISSING_TOPIC_GRACE = Duration.ofSeconds(5);

    private final Consumer<String, byte[]> consumer;
    private final String topic;
    private final Duration timeout;
    private final Duration poll;
    private long recordsRead;

    SessionLoader(Consumer<String, byte[]> consumer, String topic, Duration timeout, Duration poll) {
        this.consumer = consumer;
        this.topic = topic;
        this.timeout = timeout;
        this.poll = poll;
    }

    Map<String, byte[]> load() {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<PartitionInfo> infos = partitions(deadline);
        if (infos.isEmpty()) {
            throw new SessionLogException("session topic '" + topic + "' does not exist; create it first as a"
                    + " compacted topic", false, null);
        }
        var partitions = new ArrayList<TopicPartition>();
        for (PartitionInfo info : infos) {
            partitions.add(new TopicPartition(topic, info.partition()));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, remaining(deadline));

        Set<TopicPartition> unfinished = new HashSet<>(partitions);
        var state = new HashMap<String, byte[]>();
        removeFinished(unfinished, end, deadline);
        while (!unfinished.isEmpty()) {
            if (System.nanoTime() >= deadline) {
                throw new SessionLogException("session topic '" + topic + "' not read to its end within "
                        + timeout.toMillis() + " ms (" + unfinished.size() + " of " + partitions.size()
                        + " partitions unfinished, " + recordsRead + " records read)", true, null);
            }
            for (ConsumerRecord<String, byte[]> r : consumer.poll(min(poll, remaining(deadline)))) {
                recordsRead++;
                if (r.key() == null) {
                    continue; // not written by Sluice; nothing to key it by
                }
                if (r.value() == null) {
                    state.remove(r.key());
                } else {
                    state.put(r.key(), r.value());
                }
            }
            removeFinished(unfinished, end, deadline);
        }
        return state;
    }

    /**
     * The topic's partitions. A topic created a moment ago may not have reached the broker that answers yet, so
     * an empty answer is asked again for a short while before the topic counts as missing.
     */
    private List<PartitionInfo> partitions(long deadline) {
        long missingDeadline = Math.min(deadline, System.nanoTime() + MISSING_TOPIC_GRACE.toNanos());
        while (true) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, remaining(deadline));
            if (infos != null && !infos.isEmpty()) {
                return infos;
            }
            if (System.nanoTime() >= missingDeadline) {
                return List.of();
            }
            try {
                Thread.sleep(100); // between metadata requests; this is start-up, not a hot path
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SessionLogException("interrupted while loading session topic '" + topic + "'", true, e);
            }
        }
    }

    /** Where the load stopped, per partition (at or past the end offsets taken at its start). After {@link #load}. */
    Map<TopicPartition, Long> positions() {
        Map<TopicPartition, Long> at = new HashMap<>();
        for (TopicPartition tp : consumer.assignment()) {
            at.put(tp, consumer.position(tp, poll.multipliedBy(50)));
        }
        return at;
    }

    long recordsRead() {
        return recordsRead;
    }

    private void removeFinished(Set<TopicPartition> unfinished, Map<TopicPartition, Long> end, long deadline) {
        // position, not the last offset seen: compaction leaves gaps and the end may lie past the last record
        var finished = new ArrayList<TopicPartition>();
        for (TopicPartition tp : unfinished) {
            if (consumer.position(tp, remaining(deadline)) >= end.getOrDefault(tp, 0L)) {
                finished.add(tp);
            }
        }
        // stop fetching what is done so the remaining partitions get the whole fetch
        consumer.pause(finished);
        finished.forEach(unfinished::remove);
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
