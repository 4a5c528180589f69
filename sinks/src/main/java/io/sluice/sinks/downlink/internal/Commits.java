package io.sluice.sinks.downlink.internal;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Stores the downlink's finished offsets ({@link PendingOffsets#due}) in its consumer group: asynchronously at most
 * every {@code commit_interval_ms} while reading, synchronously (bounded) before partitions move and at close. A
 * refused commit is logged and its offsets offered again at the next chance.
 *
 * <p>Threading: the downlink's consumer thread only (an asynchronous commit's answer comes back on it inside poll);
 * {@link #count} from any thread.
 */
final class Commits {
    private final Consumer<String, byte[]> consumer;
    private final PendingOffsets offsets;
    private final long intervalNanos;
    private final Duration syncTimeout;
    private final BiConsumer<String, String> failures;
    private final LongAdder acknowledged = new LongAdder();
    private long nextNanos;

    Commits(Consumer<String, byte[]> consumer, PendingOffsets offsets, Duration interval, Duration syncTimeout,
            BiConsumer<String, String> failures) {
        this.consumer = consumer;
        this.offsets = offsets;
        this.intervalNanos = interval.toNanos();
        this.syncTimeout = syncTimeout;
        this.failures = failures;
        this.nextNanos = System.nanoTime() + intervalNanos;
    }

    /** Commits what is finished, asynchronously, when the interval is up. */
    void whenDue() {
        long now = System.nanoTime();
        if (now - nextNanos < 0) {
            return;
        }
        nextNanos = now + intervalNanos;
        commit(offsets.due(null), false);
    }

    /** Commits what is finished of {@code partitions} (all when null) now, waiting for Kafka's answer (bounded). */
    void now(Collection<TopicPartition> partitions) {
        commit(offsets.due(partitions), true);
    }

    private void commit(Map<TopicPartition, Long> due, boolean sync) {
        if (due.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> request = new HashMap<>();
        due.forEach((p, o) -> request.put(p, new OffsetAndMetadata(o)));
        offsets.sent(due);
        if (!sync) {
            consumer.commitAsync(request, (done, e) -> {
                offsets.answered(due, e == null);
                if (e == null) {
                    acknowledged.increment();
                } else {
                    failures.accept("commit failed", e.toString());
                }
            });
            return;
        }
        try {
            consumer.commitSync(request, syncTimeout);
            offsets.answered(due, true);
            acknowledged.increment();
        } catch (WakeupException e) {
            offsets.answered(due, false);
            throw e;
        } catch (KafkaException e) {
            offsets.answered(due, false);
            failures.accept("commit failed", e.toString());
        }
    }

    /** Commits Kafka acknowledged. */
    long count() {
        return acknowledged.sum();
    }
}
