package io.sluice.sinks.downlink.internal;

import io.sluice.delivery.Message;
import io.sluice.delivery.Origin;
import io.sluice.delivery.Publisher;
import io.sluice.sinks.downlink.DownlinkConfig;
import io.sluice.sinks.downlink.DownlinkStats;
import io.sluice.sinks.internal.FailureLog;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The downlink's consumer loop: reads the downlink topic in its consumer group, hands each record's message to the
 * {@link Publisher} and commits an offset only once every record before it is finished ({@link PendingOffsets}):
 * made durable by the publish path, or counted undecodable or refused. A retryable outcome is published again after
 * a backoff, never skipped. At most {@code max_pending_records} records are unfinished: beyond that the partitions
 * are paused; likewise for their bytes, {@code max_pending_bytes} ({@link PendingBytes}: a record that does not fit
 * is sought back to and read again once it does). Commits go out asynchronously at most every {@code commit_interval_ms}, synchronously when partitions
 * are revoked and at close. No record and no Kafka failure ends the thread; only {@link #close} does.
 *
 * <p><b>Threading.</b> The consumer and all state but the counters are touched only by the reader thread; publish
 * outcomes arrive on any thread through {@link Publishing}'s queue. {@link #stats} and {@link #close}: any thread.
 */
public final class DownlinkReader {
    private static final Logger LOG = LoggerFactory.getLogger(DownlinkReader.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration POLL_FAILURE_PAUSE = Duration.ofMillis(500);
    /** How long each step of closing (waiting for outcomes, the last commit, the consumer's close) may take. */
    static final Duration CLOSE_STEP = Duration.ofSeconds(3);

    private final DownlinkConfig config;
    private final Consumer<String, byte[]> consumer;
    private final int maxPollRecords;
    private final PendingOffsets offsets = new PendingOffsets();
    private final FailureLog failureLog = new FailureLog();
    private final Publishing publishing;
    private final LongAdder read = new LongAdder();
    private final LongAdder undecodable = new LongAdder();
    private final Commits commits;
    private volatile int pending;
    private volatile long pendingBytes;
    private final PendingBytes bytes;
    private volatile boolean paused;
    private final LongAdder pauses = new LongAdder();
    private volatile int assigned;
    private volatile long lag;
    private volatile long uncommitted;
    private volatile boolean running;
    private Thread thread;

    /** @param maxPollRecords the consumer's {@code max.poll.records}: how many records one poll may add */
    public DownlinkReader(DownlinkConfig config, Consumer<String, byte[]> consumer, Publisher publisher,
                          int maxPollRecords) {
        this.config = config;
        this.consumer = consumer;
        this.maxPollRecords = maxPollRecords;
        this.bytes = new PendingBytes(config.maxPendingBytes());
        this.publishing = new Publishing(publisher, offsets, this::logFailure);
        this.commits = new Commits(consumer, offsets, Duration.ofMillis(config.commitIntervalMs()), CLOSE_STEP,
                this::logFailure);
    }

    /** Subscribes and starts the reader thread; contacts Kafka only from that thread. */
    public void start() {
        consumer.subscribe(List.of(config.topic()), new Rebalance());
        running = true;
        thread = new Thread(this::run, "sluice-downlink");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                try {
                    takeOutcomes();
                    publishing.retryDue();
                    Duration wait = publishing.untilNextRetry(POLL);
                    if (flowControl()) {
                        // paused: only an outcome makes room; poll (callbacks, heartbeat) once one came or soon
                        running &= publishing.awaitOutcomes(wait);
                        counts();
                        wait = Duration.ZERO;
                    }
                    take(poll(wait));
                    takeOutcomes();
                    commits.whenDue();
                    observe();
                } catch (WakeupException e) {
                    throw e;
                } catch (KafkaException e) { // outside poll (a commit, a rebalance callback): go on after a pause
                    logFailure("consumer failed", e.toString());
                    pause();
                }
            }
        } catch (WakeupException e) {
            // close() asked us to stop
        } catch (KafkaException | IllegalStateException e) {
            LOG.error("Downlink reader of '{}' stopped: {}", config.topic(), e.toString());
        } finally {
            finish();
        }
    }

    /**
     * Takes the records of a poll in order while their bytes fit; a partition whose next record does not fit is sought
     * back to it (its later records of this poll are left too), so it is read again once there is room.
     */
    private void take(Iterable<ConsumerRecord<String, byte[]>> records) {
        java.util.Set<TopicPartition> left = null;
        for (ConsumerRecord<String, byte[]> r : records) {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            if (left != null && left.contains(tp)) {
                continue;
            }
            long size = PendingBytes.of(r);
            if (!bytes.fits(offsets.pendingBytes(), size)) {
                consumer.seek(tp, r.offset());
                if (left == null) {
                    left = new java.util.HashSet<>();
                }
                left.add(tp);
                continue;
            }
            if (size > config.maxPendingBytes()) {
                logFailure("oversized record", where(r) + ": " + size + " bytes, more than downlink.max_pending_bytes ("
                        + config.maxPendingBytes() + "): taken alone");
            }
            accept(r, size);
        }
    }

    /** One record read: decoded and published, or counted undecodable and finished. */
    private void accept(ConsumerRecord<String, byte[]> r, long size) {
        read.increment();
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        PendingOffsets.Slot slot = offsets.read(tp, r.offset(), size);
        Message m;
        try {
            m = DownlinkRecord.decode(r.headers(), r.value(), System.currentTimeMillis(),
                    new Origin(r.topic(), r.partition(), r.offset(), r.key()));
        } catch (IllegalArgumentException e) {
            undecodable(where(r), e.getMessage());
            offsets.finish(slot);
            return;
        } catch (RuntimeException e) { // a decoder defect costs one record, not the downlink
            String failure = e.toString();
            undecodable(where(r), "decoding failed: " + (failure.length() <= 300 ? failure
                    : failure.substring(0, 300) + "..."));
            offsets.finish(slot);
            return;
        }
        publishing.publish(slot, m);
    }

    private void undecodable(String where, String why) {
        undecodable.increment();
        logFailure("undecodable record", where + ": " + why + " (skipped)");
    }

    private void takeOutcomes() {
        publishing.takeOutcomes();
        counts();
    }

    private void counts() {
        pending = offsets.pending();
        pendingBytes = offsets.pendingBytes();
    }

    /**
     * Pauses every assigned partition while one more poll could pass the record bound, or the byte bound is reached
     * or a record waits for room ({@link PendingBytes#full}); resumes when neither holds. True while paused.
     */
    private boolean flowControl() {
        boolean byRecords = offsets.pending() + maxPollRecords > config.maxPendingRecords();
        boolean full = bytes.full(offsets.pendingBytes()) | byRecords;
        if (full) {
            consumer.pause(consumer.assignment());
        } else if (!consumer.paused().isEmpty()) {
            consumer.resume(consumer.paused());
        }
        if (full && !paused) {
            pauses.increment();
        }
        paused = full;
        return full;
    }

    /**
     * The next records. A record that does not deserialize is counted and skipped; any other failure Kafka reports
     * from poll is logged (rate-limited) and polled again after a pause.
     */
    private Iterable<ConsumerRecord<String, byte[]>> poll(Duration wait) {
        try {
            return consumer.poll(wait);
        } catch (RecordDeserializationException e) {
            read.increment();
            offsets.skipped(e.topicPartition(), e.offset());
            undecodable(e.topicPartition() + "@" + e.offset(), String.valueOf(e.getMessage()));
            consumer.seek(e.topicPartition(), e.offset() + 1);
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            logFailure("poll failed", e.toString());
            pause();
        }
        return List.of();
    }

    private void pause() {
        try {
            Thread.sleep(POLL_FAILURE_PAUSE.toMillis()); // bounded; close() waits at most this much longer
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private void observe() {
        long l = 0;
        for (TopicPartition p : consumer.assignment()) {
            l += consumer.currentLag(p).orElse(0);
        }
        lag = l;
        assigned = consumer.assignment().size();
        uncommitted = offsets.uncommitted();
    }

    /**
     * At close: waits up to {@link #CLOSE_STEP} for the outcomes of what is being published (no retry is started),
     * commits what is finished, and closes the consumer (leaving the group, so the partitions move at once).
     */
    private void finish() {
        try {
            long deadline = System.nanoTime() + CLOSE_STEP.toNanos();
            takeOutcomes();
            while (offsets.pending() > publishing.waitingForRetry() && System.nanoTime() - deadline < 0) {
                Thread.sleep(5); // shutdown only: the outcomes arrive on the delivery producer's thread
                takeOutcomes();
            }
            try {
                commits.now(null);
            } catch (WakeupException e) { // close()'s wakeup came after the last poll: it ended this try only
                commits.now(null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("Downlink of '{}': last commit failed: {}", config.topic(), e.toString());
        } finally {
            try {
                consumer.close(CLOSE_STEP);
            } catch (RuntimeException e) {
                LOG.warn("Downlink of '{}': closing the consumer failed: {}", config.topic(), e.toString());
            }
            LOG.info("Downlink of '{}' stopped: {} record(s) read, {} published, {} undecodable, {} refused;"
                    + " {} left unfinished (read again by the next reader)", config.topic(), read.sum(),
                    publishing.published(), undecodable.sum(), publishing.refused(), offsets.pending());
        }
    }

    /** Stops the thread (it commits what is finished and closes the consumer); waits up to {@code timeout}. */
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
            LOG.warn("Downlink of '{}': {}", config.topic(), line);
        }
    }

    public DownlinkStats stats() {
        return new DownlinkStats(read.sum(), publishing.published(), undecodable.sum(), publishing.refused(),
                publishing.retried(), pending, pendingBytes, paused, pauses.sum(), bytes.paused(), bytes.pauses(),
                bytes.oversized(), assigned, lag, uncommitted, commits.count());
    }

    private void logFailure(String kind, String detail) {
        String line = failureLog.record(kind, detail);
        if (line != null) {
            LOG.warn("Downlink of '{}': {}", config.topic(), line);
        }
    }

    private static String where(ConsumerRecord<String, byte[]> r) {
        return r.topic() + "-" + r.partition() + "@" + r.offset();
    }

    /** Commits what is finished before partitions move; forgets their unfinished records (the next owner has them). */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            takeOutcomes();
            commits.now(partitions);
            offsets.drop(partitions);
            counts();
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            LOG.info("Downlink of '{}': reading partition(s) {} in group '{}'", config.topic(), partitions,
                    config.group());
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            offsets.drop(partitions);
            counts();
        }
    }
}
