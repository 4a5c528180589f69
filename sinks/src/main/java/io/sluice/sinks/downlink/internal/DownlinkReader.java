package io.sluice.sinks.downlink.internal;

import io.sluice.delivery.Message;
import io.sluice.delivery.Publisher;
import io.sluice.ingest.Delivery;
import io.sluice.sinks.downlink.DownlinkConfig;
import io.sluice.sinks.downlink.DownlinkStats;
import io.sluice.sinks.internal.FailureLog;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
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
 * are paused. Commits go out asynchronously at most every {@code commit_interval_ms}, synchronously when partitions
 * are revoked and at close. No record and no Kafka failure ends the thread; only {@link #close} does.
 *
 * <p><b>Threading.</b> The consumer and all state but the counters and the completion queue are touched only by the
 * reader thread; publish outcomes arrive on any thread through the queue. {@link #stats} and {@link #close}: any
 * thread.
 */
public final class DownlinkReader {
    private static final Logger LOG = LoggerFactory.getLogger(DownlinkReader.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration POLL_FAILURE_PAUSE = Duration.ofMillis(500);
    private static final long RETRY_FIRST_MS = 100;
    private static final long RETRY_MAX_MS = 5_000;
    /** How long each step of closing (waiting for outcomes, the last commit, the consumer's close) may take. */
    static final Duration CLOSE_STEP = Duration.ofSeconds(3);

    /** One record on its way through the publish path. */
    private record Publishing(PendingOffsets.Slot slot, Message message, int attempt, long dueNanos) {
    }

    private record Outcome(Publishing publishing, Delivery delivery) {
    }

    private final DownlinkConfig config;
    private final Consumer<String, byte[]> consumer;
    private final Publisher publisher;
    private final int maxPollRecords;
    private final PendingOffsets offsets = new PendingOffsets();
    private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Publishing> retries =
            new PriorityQueue<>((a, b) -> Long.compare(a.dueNanos(), b.dueNanos()));
    private final FailureLog failureLog = new FailureLog();
    private final LongAdder read = new LongAdder();
    private final LongAdder published = new LongAdder();
    private final LongAdder undecodable = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder retried = new LongAdder();
    private final LongAdder commits = new LongAdder();
    private volatile int pending;
    private volatile boolean paused;
    private volatile int assigned;
    private volatile long lag;
    private volatile long uncommitted;
    private volatile boolean running;
    private long nextCommitNanos;
    private Thread thread;

    /** @param maxPollRecords the consumer's {@code max.poll.records}: how many records one poll may add */
    public DownlinkReader(DownlinkConfig config, Consumer<String, byte[]> consumer, Publisher publisher,
                          int maxPollRecords) {
        this.config = config;
        this.consumer = consumer;
        this.publisher = publisher;
        this.maxPollRecords = maxPollRecords;
    }

    /** Subscribes and starts the reader thread; contacts Kafka only from that thread. */
    public void start() {
        consumer.subscribe(List.of(config.topic()), new Rebalance());
        running = true;
        nextCommitNanos = System.nanoTime() + Duration.ofMillis(config.commitIntervalMs()).toNanos();
        thread = new Thread(this::run, "sluice-downlink");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                takeOutcomes();
                retryDue();
                flowControl();
                for (ConsumerRecord<String, byte[]> r : poll()) {
                    accept(r);
                }
                takeOutcomes();
                commit(false);
                observe();
            }
        } catch (WakeupException e) {
            // close() asked us to stop
        } catch (KafkaException | IllegalStateException e) {
            LOG.error("Downlink reader of '{}' stopped: {}", config.topic(), e.toString());
        } finally {
            finish();
        }
    }

    /** One record read: decoded and published, or counted undecodable and finished. */
    private void accept(ConsumerRecord<String, byte[]> r) {
        read.increment();
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        PendingOffsets.Slot slot = offsets.read(tp, r.offset());
        Message m;
        try {
            m = DownlinkRecord.decode(r.headers(), r.value(), System.currentTimeMillis());
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
        publish(new Publishing(slot, m, 0, 0));
    }

    private void undecodable(String where, String why) {
        undecodable.increment();
        logFailure("undecodable record", where + ": " + why + " (skipped)");
    }

    private void publish(Publishing p) {
        try {
            publisher.publish(p.message()).whenComplete((d, err) -> outcomes.add(new Outcome(p,
                    err != null ? Delivery.retryable("failed: " + err) : d == null ? Delivery.retryable("no outcome") : d)));
        } catch (RuntimeException e) { // the publish path never throws; if it did, try again rather than lose it
            outcomes.add(new Outcome(p, Delivery.retryable("publish failed: " + e)));
        }
    }

    /** Applies the publish outcomes that arrived: finished, refused (finished) or scheduled again. */
    private void takeOutcomes() {
        Outcome o;
        while ((o = outcomes.poll()) != null) {
            Publishing p = o.publishing();
            if (!offsets.live(p.slot())) {
                continue; // its partition was revoked: the next owner reads it again
            }
            switch (o.delivery().outcome()) {
                case DELIVERED -> {
                    published.increment();
                    offsets.finish(p.slot());
                }
                case REJECTED -> {
                    refused.increment();
                    logFailure("refused", where(p) + ": " + o.delivery().reason() + " (skipped)");
                    offsets.finish(p.slot());
                }
                default -> {
                    retried.increment();
                    long delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS << Math.min(p.attempt(), 16));
                    logFailure("publish retryable", where(p) + ": " + o.delivery().reason() + " (retried in "
                            + delay + " ms)");
                    retries.add(new Publishing(p.slot(), p.message(), p.attempt() + 1,
                            System.nanoTime() + Duration.ofMillis(delay).toNanos()));
                }
            }
        }
        pending = offsets.pending();
    }

    private void retryDue() {
        long now = System.nanoTime();
        while (!retries.isEmpty() && retries.peek().dueNanos() - now <= 0) {
            Publishing p = retries.poll();
            if (offsets.live(p.slot())) {
                publish(p);
            }
        }
    }

    /** Pauses every assigned partition while one more poll could pass the bound; resumes when it could not. */
    private void flowControl() {
        boolean full = offsets.pending() + maxPollRecords > config.maxPendingRecords();
        if (full) {
            consumer.pause(consumer.assignment());
        } else if (!consumer.paused().isEmpty()) {
            consumer.resume(consumer.paused());
        }
        paused = full;
    }

    /**
     * The next records. A record that does not deserialize is counted and skipped; any other failure Kafka reports
     * from poll is logged (rate-limited) and polled again after a pause.
     */
    private Iterable<ConsumerRecord<String, byte[]>> poll() {
        try {
            Duration wait = POLL;
            if (!retries.isEmpty()) {
                long untilRetry = Math.max(0, retries.peek().dueNanos() - System.nanoTime());
                wait = Duration.ofNanos(Math.min(untilRetry, POLL.toNanos()));
            }
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
            try {
                Thread.sleep(POLL_FAILURE_PAUSE.toMillis()); // bounded; close() waits at most this much longer
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
        return List.of();
    }

    /** Commits the finished offsets: asynchronously when the interval is up, or synchronously ({@code now}). */
    private void commit(boolean now) {
        if (!now && System.nanoTime() - nextCommitNanos < 0) {
            return;
        }
        nextCommitNanos = System.nanoTime() + Duration.ofMillis(config.commitIntervalMs()).toNanos();
        commit(offsets.due(null), now);
    }

    private void commit(Map<TopicPartition, Long> due, boolean sync) {
        if (due.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> request = new HashMap<>();
        due.forEach((p, o) -> request.put(p, new OffsetAndMetadata(o)));
        offsets.sent(due);
        if (!sync) {
            // the answer comes back on this thread, inside a later poll
            consumer.commitAsync(request, (done, e) -> {
                offsets.answered(due, e == null);
                if (e == null) {
                    commits.increment();
                } else {
                    logFailure("commit failed", e.toString());
                }
            });
            return;
        }
        try {
            consumer.commitSync(request, CLOSE_STEP);
            offsets.answered(due, true);
            commits.increment();
        } catch (WakeupException e) {
            offsets.answered(due, false);
            throw e;
        } catch (KafkaException e) {
            offsets.answered(due, false);
            logFailure("commit failed", e.toString());
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
            while (offsets.pending() > retries.size() && System.nanoTime() - deadline < 0) {
                Thread.sleep(5); // shutdown only: the outcomes arrive on the delivery producer's thread
                takeOutcomes();
            }
            try {
                commit(offsets.due(null), true);
            } catch (WakeupException e) { // close()'s wakeup came after the last poll: it ended this try only
                commit(offsets.due(null), true);
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
                    published.sum(), undecodable.sum(), refused.sum(), offsets.pending());
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
        return new DownlinkStats(read.sum(), published.sum(), undecodable.sum(), refused.sum(), retried.sum(), pending,
                paused, assigned, lag, uncommitted, commits.sum());
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

    private static String where(Publishing p) {
        return p.slot().partition + "@" + p.slot().offset + " ('" + p.message().topic() + "')";
    }

    /** Commits what is finished before partitions move; forgets their unfinished records (the next owner has them). */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            takeOutcomes();
            commit(offsets.due(partitions), true);
            offsets.drop(partitions);
            pending = offsets.pending();
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            LOG.info("Downlink of '{}': reading partition(s) {} in group '{}'", config.topic(), partitions,
                    config.group());
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            offsets.drop(partitions);
            pending = offsets.pending();
        }
    }
}
