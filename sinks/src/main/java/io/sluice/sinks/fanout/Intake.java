package io.sluice.sinks.fanout;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's polling and pausing: polls, decodes what it polled and hands it to the {@link BatchMaker} to hold;
 * pauses every partition while the writer cannot reach the TSDB ({@link #pauseWhileTheTsdbIsAway}) and single
 * partitions holding their share of the hold ({@link #balance}); and while the writer is busy and nothing new can be
 * taken, still polls at least every {@value #KEEP_ALIVE_POLL_MS} ms with its partitions paused
 * ({@link #keepAliveIfDue}), so the member stays in its group within {@code max.poll.interval.ms} instead of being
 * evicted and having its batch redone by the next owner. Consumer thread only; {@link #paused} from any thread.
 */
final class Intake {
    private static final Logger LOG = LoggerFactory.getLogger(Intake.class);
    static final long KEEP_ALIVE_POLL_MS = 1_000;
    /** Records held per partition are capped at an even share of the hold (at least this many). */
    private static final int HOLD_PER_PARTITION_MIN = 500;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final RecordDecoding decoding;
    private final BatchMaker maker;
    private final BatchWriter writes;
    private final Clock clock;
    private final Set<TopicPartition> assigned = new HashSet<>();
    private final Set<TopicPartition> balancePaused = new HashSet<>();
    private volatile boolean paused;
    /** When the consumer last polled (nanoTime). */
    private long lastPollNanos = System.nanoTime();

    Intake(KafkaConsumer<byte[], byte[]> consumer, RecordDecoding decoding, BatchMaker maker, BatchWriter writes,
           Clock clock) {
        this.consumer = consumer;
        this.decoding = decoding;
        this.maker = maker;
        this.writes = writes;
        this.clock = clock;
    }

    /** True while every partition is paused waiting for the TSDB. */
    boolean paused() {
        return paused;
    }

    Set<TopicPartition> assigned() {
        return assigned;
    }

    void assigned(Collection<TopicPartition> partitions) {
        assigned.addAll(partitions);
    }

    /** The partitions were given up: nothing is paused any more on their account. */
    void revoked(Collection<TopicPartition> partitions) {
        assigned.removeAll(partitions);
        balancePaused.clear();
        paused = false;
    }

    /** Polls for up to {@code timeout} and holds what came, decoded (paused partitions return nothing). */
    void poll(Duration timeout) {
        ConsumerRecords<byte[], byte[]> polled = consumer.poll(timeout);
        lastPollNanos = System.nanoTime();
        long now = clock.millis();
        for (TopicPartition tp : polled.partitions()) {
            for (ConsumerRecord<byte[], byte[]> rec : polled.records(tp)) {
                maker.hold(tp, rec, decoding.decode(rec), now);
            }
        }
    }

    /** Polls with every partition paused when the last poll was more than {@value #KEEP_ALIVE_POLL_MS} ms ago. */
    void keepAliveIfDue() {
        if (System.nanoTime() - lastPollNanos <= TimeUnit.MILLISECONDS.toNanos(KEEP_ALIVE_POLL_MS)) {
            return;
        }
        Set<TopicPartition> pausing = new HashSet<>(consumer.assignment());
        pausing.removeAll(consumer.paused());
        consumer.pause(pausing);
        try {
            poll(Duration.ZERO); // paused partitions return nothing; a rebalance may run here
        } finally {
            Set<TopicPartition> resume = new HashSet<>(pausing);
            resume.retainAll(consumer.assignment());
            if (!paused) {
                resume.removeAll(balancePaused);
                consumer.resume(resume);
            }
        }
    }

    /** Pauses every partition while the writer's batch cannot reach the TSDB; resumes when it was written. */
    void pauseWhileTheTsdbIsAway() {
        boolean away = maker.inFlight() > 0 && writes.stalled();
        if (away && !paused) {
            consumer.pause(consumer.assignment());
            paused = true;
            LOG.warn("TSDB unavailable; partitions paused while the writer retries");
        } else if (!away && paused) {
            Set<TopicPartition> resume = new HashSet<>(consumer.assignment());
            resume.removeAll(balancePaused);
            consumer.resume(resume);
            paused = false;
            LOG.info("TSDB writes again; partitions resumed");
        }
    }

    /** True unless Kafka says the partition's position is at its log end (unknown counts as behind). */
    boolean behindLogEnd(TopicPartition tp) {
        OptionalLong lag = consumer.currentLag(tp);
        return lag.isEmpty() || lag.getAsLong() > 0;
    }

    /**
     * Pauses a partition holding its share of the hold and resumes it once half of that is taken: memory stays
     * bounded, and one partition's buffered fetch cannot fill the hold before the others delivered (a poll returns
     * records of one partition at a time), which would force records out of time order.
     */
    void balance() {
        int holdPerPartition = Math.max(HOLD_PER_PARTITION_MIN, maker.holdMax() / Math.max(1, assigned.size()));
        for (TopicPartition tp : assigned) {
            int n = maker.held(tp);
            if (n >= holdPerPartition && balancePaused.add(tp)) {
                consumer.pause(List.of(tp));
            } else if (n <= holdPerPartition / 2 && balancePaused.remove(tp) && !paused) {
                consumer.resume(List.of(tp));
            }
        }
    }
}
