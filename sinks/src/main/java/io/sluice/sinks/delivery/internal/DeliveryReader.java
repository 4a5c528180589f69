package io.sluice.sinks.delivery.internal;

import io.sluice.delivery.DeliveryListener;
import io.sluice.sinks.delivery.DeliveryLogConfig;
import io.sluice.sinks.delivery.DeliveryLogException;
import io.sluice.sinks.internal.FailureLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read side of the delivery log: one thread, one consumer assigned this node's delivery partition and every
 * retained partition (no subscribe, no rebalance). Hands this node's messages and every retained change to the
 * listener in log order, skips records keyed to other nodes and records it cannot decode ({@link RecordIntake}: no
 * record's content ends the thread), and stores the committed position of the delivery partition at most every
 * {@code commit_interval_ms} (and at close) under the group {@code sluice.delivery.<node>}.
 *
 * <p><b>Threading.</b> The consumer is touched only by the thread that calls {@link #start} (until it returns) and
 * then by the reader thread; {@link #commit} and the counters may be used from any thread.
 */
public final class DeliveryReader {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryReader.class);
    private static final Duration POLL = Duration.ofMillis(100);
    /** How long each step of closing (the last commit, the consumer's close) may wait for Kafka. */
    private static final Duration CLOSE_STEP = Duration.ofSeconds(3);
    /** How long the reader waits before polling again after Kafka reported a failure from poll. */
    private static final Duration POLL_FAILURE_PAUSE = Duration.ofMillis(500);
    /** The metadata of a position stored while the node runs. */
    public static final String RUNNING = "running";
    /** The metadata of the position a node stores as it stops gracefully: it hands nothing over any more. */
    public static final String STOPPED = "stopped";

    private final DeliveryLogConfig config;
    private final Consumer<String, byte[]> consumer;
    private final TopicPartition own;
    private final RetainedBound retained;
    private final FailureLog failureLog = new FailureLog();
    private final CommitPositions commits;
    private final RecordIntake intake;
    private DeliveryListener listener;
    private Thread thread;
    private volatile boolean running;
    private volatile long position = -1;
    private volatile long lag;

    public DeliveryReader(DeliveryLogConfig config, Consumer<String, byte[]> consumer) {
        this.config = config;
        this.consumer = consumer;
        this.own = new TopicPartition(config.topic(), Partitions.of(config.nodeId(), config.partitions()));
        this.retained = new RetainedBound(config.maxRetainedMessages(), config.maxRetainedBytes());
        this.commits = new CommitPositions(config.commitIntervalMs());
        this.intake = new RecordIntake(config.topic(), config.nodeId(), retained, commits, DeliveryHeaders::decode,
                this::logFailure);
    }

    /**
     * Reads the retained topic to its end on the caller's thread (handing each to the listener), positions the
     * delivery partition at the committed position, then starts the reader thread.
     *
     * @throws DeliveryLogException when a topic is missing or wrong, or the retained topic is not read in time
     */
    public void start(DeliveryListener listener) {
        this.listener = listener;
        long started = System.nanoTime();
        long deadline = started + Duration.ofMillis(config.startTimeoutMs()).toNanos();
        List<TopicPartition> retainedPartitions = new TopicLayout(consumer, config).check(deadline);
        var all = new ArrayList<>(retainedPartitions);
        all.add(own);
        consumer.assign(all);
        consumer.pause(List.of(own));
        consumer.seekToBeginning(retainedPartitions);
        long t0 = System.nanoTime();
        long records = new RetainedLoad(consumer, retainedPartitions, config.retainedTopic(), POLL)
                .run(deadline, r -> intake.accept(r, listener));
        long t1 = System.nanoTime();
        positionOwnPartition(deadline);
        consumer.resume(List.of(own));
        LOG.info("Delivery log of node '{}': topics checked in {} ms; {} retained messages held ({} records read"
                        + " from '{}' in {} ms); reading '{}' partition {} from offset {} (position found in {} ms)",
                config.nodeId(), (t0 - started) / 1_000_000, retained.count(), records, config.retainedTopic(),
                (t1 - t0) / 1_000_000, config.topic(), own.partition(), position, (System.nanoTime() - t1) / 1_000_000);
        running = true;
        thread = new Thread(this::run, "sluice-delivery-reader");
        thread.setDaemon(true);
        thread.start();
    }

    /** From the committed position; a node that never stored one starts at the end and stores that at once. */
    private void positionOwnPartition(long deadline) {
        OffsetAndMetadata committed = consumer.committed(java.util.Set.of(own), remaining(deadline)).get(own);
        long start;
        if (committed != null) {
            start = committed.offset();
            consumer.seek(own, start);
            // says this node runs again: a node that reads "stopped" recovers this node's sessions at once
            consumer.commitSync(Map.of(own, new OffsetAndMetadata(start, RUNNING)), remaining(deadline));
        } else {
            start = consumer.endOffsets(List.of(own), remaining(deadline)).get(own);
            consumer.seek(own, start);
            consumer.commitSync(Map.of(own, new OffsetAndMetadata(start, RUNNING)), remaining(deadline));
            LOG.info("Delivery partition {} of '{}' had no committed position for node '{}': starting at its end, {}",
                    own.partition(), config.topic(), config.nodeId(), start);
        }
        position = start;
        commits.startAt(start);
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> r : poll()) {
                    intake.accept(r, listener);
                }
                position = consumer.position(own);
                lag = consumer.currentLag(own).orElse(lag);
                store(false, false);
            }
        } catch (WakeupException e) {
            // close() asked us to stop
        } catch (KafkaException | IllegalStateException e) {
            LOG.error("Delivery log reader of node '{}' stopped: {}", config.nodeId(), e.toString());
        } finally {
            store(true, !running); // "stopped" only when close() asked: a reader that failed is not a stopped node
            consumer.close(CLOSE_STEP); // assigned, never subscribed: there is no group to leave
        }
    }

    /**
     * The next records. A record that does not deserialize is counted and skipped; any other failure Kafka reports
     * from poll (authorization, a corrupt batch, ...) is logged (rate-limited) and polled again after a pause, so no
     * record and no Kafka error can end delivery on this node; only {@link #close} does.
     */
    private Iterable<ConsumerRecord<String, byte[]>> poll() {
        try {
            return consumer.poll(POLL);
        } catch (RecordDeserializationException e) {
            intake.notDeserialized(e.topicPartition().topic(), e.topicPartition().partition(), e.offset(),
                    String.valueOf(e.getMessage()));
            consumer.seek(e.topicPartition(), e.offset() + 1);
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            logFailure("poll failed", e.toString());
            try {
                Thread.sleep(POLL_FAILURE_PAUSE.toMillis()); // bounded; close() waits at most this much longer
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
        return List.of();
    }

    /**
     * Stores the position {@link CommitPositions} says is due; a failure is logged and tried again later.
     * {@code stopping}: the last store of a graceful stop, made even when the position did not move, with the
     * metadata {@link #STOPPED} (docs/DELIVERY.md, "Node death").
     */
    private void store(boolean now, boolean stopping) {
        long due = commits.due(now, System.nanoTime());
        long target = due < 0 && stopping ? commits.stored() : due;
        if (target < 0) {
            return;
        }
        if (!now) {
            // while running, the reader does not wait for Kafka's answer (a synchronous store held every delivery
            // behind it for a round trip each interval); the answer comes back on this thread inside poll
            commits.sent(System.nanoTime());
            consumer.commitAsync(Map.of(own, new OffsetAndMetadata(target, RUNNING)), (offsets, e) -> {
                commits.answered(e == null ? target : -1);
                if (e != null) {
                    logFailure("commit failed", e.toString());
                }
            });
            return;
        }
        try {
            // at close, a Kafka that does not answer must not hold the shutdown: the next start reads a little more
            consumer.commitSync(Map.of(own, new OffsetAndMetadata(target, stopping ? STOPPED : RUNNING)), CLOSE_STEP);
            commits.stored(target, System.nanoTime());
        } catch (KafkaException e) {
            logFailure("commit failed", e.toString());
        }
    }

    /** Every delivery before {@code next} is finished; stored later by the reader thread. Any thread. */
    public void commit(long next) {
        commits.request(next);
    }

    /** Stops the thread (it stores the last committed position and closes the consumer); waits up to the timeout. */
    public void close(Duration timeout) {
        running = false;
        consumer.wakeup();
        if (thread == null) {
            consumer.close(Duration.ZERO);
            return;
        }
        try {
            thread.join(Math.max(1, timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (String line : failureLog.drain()) {
            LOG.warn("Delivery log of node '{}': {}", config.nodeId(), line);
        }
    }

    private void logFailure(String kind, String detail) {
        String line = failureLog.record(kind, detail);
        if (line != null) {
            LOG.warn("Delivery log of node '{}': {}", config.nodeId(), line);
        }
    }

    static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    /** The reader's positions and counters since start. */
    public record Counts(int partition, long position, long stored, long lag, long handed, long skipped,
                         long undecodable, long listenerFailures) {
    }

    public Counts counts() {
        return new Counts(own.partition(), position, commits.stored(), lag, intake.handed(), intake.skipped(),
                intake.undecodable(), intake.listenerFailures());
    }

    public RetainedBound retained() {
        return retained;
    }
}
