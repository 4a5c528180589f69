package io.sluice.sinks.fanout;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member's lag: records in its assigned partitions past the committed offsets (neither written nor dead-lettered
 * yet), measured every {@value #INTERVAL_MS} ms on the consumer thread, asking Kafka with a short timeout and keeping
 * the last value when it cannot. (The service reports the group's lag instead: {@link GroupLag}.) {@link #measure}
 * on the consumer thread only; {@link #lag} from any thread.
 */
final class MemberLag {
    private static final Logger LOG = LoggerFactory.getLogger(MemberLag.class);
    static final long INTERVAL_MS = 2_000;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Clock clock;
    private volatile long lag = -1;
    private long measuredAt;

    MemberLag(KafkaConsumer<byte[], byte[]> consumer, Clock clock) {
        this.consumer = consumer;
        this.clock = clock;
    }

    /** The last measurement; -1 before the first. */
    long lag() {
        return lag;
    }

    /** Measures again once {@value #INTERVAL_MS} ms passed since the last time. */
    void measure() {
        long now = clock.millis();
        if (now - measuredAt < INTERVAL_MS) {
            return;
        }
        measuredAt = now;
        Set<TopicPartition> assigned = consumer.assignment();
        if (assigned.isEmpty()) {
            lag = 0;
            return;
        }
        try {
            Duration timeout = Duration.ofSeconds(2);
            Map<TopicPartition, Long> ends = consumer.endOffsets(assigned, timeout);
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned, timeout);
            Map<TopicPartition, Long> starts = null;
            long total = 0;
            for (TopicPartition tp : assigned) {
                OffsetAndMetadata c = committed.get(tp);
                long from;
                if (c != null) {
                    from = c.offset();
                } else {
                    if (starts == null) {
                        starts = consumer.beginningOffsets(assigned, timeout);
                    }
                    from = starts.getOrDefault(tp, 0L);
                }
                total += Math.max(0, ends.getOrDefault(tp, from) - from);
            }
            lag = total;
        } catch (RuntimeException e) {
            if (e instanceof WakeupException) {
                throw e;
            }
            LOG.debug("cannot measure fan-out lag: {}", e.toString());
        }
    }
}
