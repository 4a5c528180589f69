package io.sluice.sinks.fanout;

import io.sluice.sinks.Decoded;
import io.sluice.sinks.FanoutConfig;
import io.sluice.sinks.FanoutListener;
import io.sluice.sinks.FanoutStats;
import io.sluice.sinks.Point;
import io.sluice.sinks.ReadingHeader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fan-out: a consumer-group member that reads the readings topic, decodes each record into points, writes them
 * in micro-batches to the TSDB and commits an offset only once every record up to it was written or dead-lettered.
 *
 * <p>Threading: one thread ({@code sluice-fanout}) owns the consumer and the batch, so each partition's records are
 * taken in log order. Across partitions, records are taken in time order ({@link TimeAlignedQueues}): the member
 * holds what it polled per partition and waits, at most a linger and at most a batch of records, for a
 * partition that is behind to deliver before it takes later readings of the others, so the TSDB gets one
 * time-ordered stream instead of rows reaching back into what it already wrote. A partition holding a full batch is
 * paused until it drains, so memory stays bounded.
 *
 * <p>Full batches go to a second thread ({@code sluice-fanout-writer}) that writes them one at a time, in order, while
 * the consumer thread reads and decodes the next: at most {@value #MAX_IN_FLIGHT} batches are handed over and not
 * yet written, so a member holds at most four batches' worth of records (held, being made, queued for the writer,
 * being written). Offsets are committed by the consumer thread for batches the writer reports written (their records
 * are written or dead-lettered), in batch order, so they never run ahead of the TSDB; at most every
 * {@value #COMMIT_INTERVAL_MS} ms, and at once before partitions are given up and on close (the lag metric counts from
 * the committed offsets, so it may include up to that much that is already written). While the TSDB is unavailable
 * the writer keeps its batch and retries it after an exponential backoff honouring Retry-After, and the consumer
 * thread pauses every assigned partition and keeps polling so the member stays in its group. A rebalance drops
 * uncommitted work (batches not yet written are abandoned): the next owner re-reads from the committed offset and
 * writes are idempotent.
 *
 * <p>{@link #start} returns at once; {@link #close} blocks until the thread has stopped.
 */
public final class KafkaFanout implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaFanout.class);
    public static final String HEADER_REASON = DeadLetters.HEADER_REASON;
    public static final String HEADER_MESSAGE = DeadLetters.HEADER_MESSAGE;
    public static final String HEADER_STATUS = DeadLetters.HEADER_STATUS;
    public static final String HEADER_SOURCE = DeadLetters.HEADER_SOURCE;
    public static final String HEADER_LINE = DeadLetters.HEADER_LINE;
    /** Set on a dead letter Kafka refused as too large with its value: the value's size; the value is left out. */
    public static final String HEADER_TRUNCATED = DeadLetters.HEADER_TRUNCATED;

    private static final long LAG_INTERVAL_MS = 2_000;
    /**
     * Batches handed to the writer thread and not yet written: the one being written and the next, queued, so the
     * writer starts it the moment the TSDB answers instead of waiting for the consumer thread to finish it (with one,
     * each thread waited for the other: 0.3-0.6 s per million points on the 2-core benchmark machine).
     */
    static final int MAX_IN_FLIGHT = 2;
    private final FanoutConfig config;
    private final Clock clock;
    private final ReadingDecoder decoder;
    /** Whether any rule takes the time from the receive-time header (else the decoder never reads it). */
    private final boolean usesReceiveTime;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final DeadLetters deadLetters;
    /** How long the writer bisects a refused batch before it rejects what is still refused whole. */
    private final Duration bisectionBudget;
    /** Offsets done and the dead letters sent before them, waiting for Kafka to acknowledge those letters. */
    private Map<TopicPartition, OffsetAndMetadata> stagedOffsets;
    private List<DeadLetters.Sent> stagedLetters;
    /** When the consumer last polled (nanoTime): while the writer is busy it polls at least every second. */
    private long lastPollNanos = System.nanoTime();
    static final long KEEP_ALIVE_POLL_MS = 1_000;
    /** Records taken into batches (or dead-lettered, or skipped); for tests. */
    private final AtomicLong taken = new AtomicLong();
    private final InfluxWriter writer;
    private final MicroBatcher<ConsumerRecord<byte[], byte[]>> batch;
    private final Backoff backoff;
    /** Polled records, decoded, held per partition until taken into the batch in time order. */
    private final TimeAlignedQueues<TopicPartition, Pending> held = new TimeAlignedQueues<>();
    /** What the member holds at most across partitions before it stops waiting for time order. */
    private final int holdMax;
    /** Records held per partition are capped at an even share of {@link #holdMax} (at least this many). */
    private static final int HOLD_PER_PARTITION_MIN = 500;
    private final Set<TopicPartition> assigned = new HashSet<>();
    private final Set<TopicPartition> balancePaused = new HashSet<>();
    private final Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();
    /** The partition of the run being taken and the offset after its last record taken (-1: none yet). */
    private TopicPartition runPartition;
    private long runNextOffset = -1;
    /**
     * Offsets up to which every record is written or dead-lettered, not yet committed: committed at most every
     * {@value #COMMIT_INTERVAL_MS} ms (a commit is a round trip and a write to the broker), and at once before
     * partitions are given up or the member closes. Consumer thread only.
     */
    private final Map<TopicPartition, OffsetAndMetadata> doneOffsets = new HashMap<>();
    private long lastCommitNanos = System.nanoTime();
    static final long COMMIT_INTERVAL_MS = 500;
    /** {@link #COMMIT_INTERVAL_MS}, longer in tests that must see only the commit made on close. */
    private final long commitIntervalNanos;
    private final Thread thread;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong writeNanos = new AtomicLong();
    private final FanoutListener listener;
    private volatile long lag = -1;
    private long lagMeasuredAt;
    private volatile boolean running = true;
    private volatile boolean abandon;
    private volatile boolean paused;
    private final Writes writes = new Writes();
    /** Batches handed to the writer and not yet reported written (consumer thread). */
    private int inFlight;
    /** Bumped by a rebalance: batches of an older generation are neither retried nor committed. */
    private volatile int generation;

    private KafkaFanout(FanoutConfig config, Clock clock, FanoutListener listener, Duration commitInterval) {
        this.config = config;
        this.commitIntervalNanos = commitInterval.toNanos();
        this.clock = clock;
        this.listener = listener;
        this.decoder = new ReadingDecoder(config.rules());
        this.usesReceiveTime = decoder.usesReceiveTime();
        this.batch = new MicroBatcher<>(config.batchMaxPoints(), config.batchMaxBytes(), config.lingerMs(), clock);
        this.holdMax = Math.max(1, config.batchMaxPoints());
        this.backoff = new Backoff(Duration.ofMillis(config.retryInitialMs()), Duration.ofMillis(config.retryMaxMs()),
                () -> ThreadLocalRandom.current().nextLong());
        this.writer = InfluxWriter.connect(config.influxUrl(), config.influxOrg(), config.influxBucket(),
                config.influxToken().toCharArray(), Duration.ofMillis(config.writeTimeoutMs()));
        Properties c = new Properties();
        c.putAll(config.consumerProperties());
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // eager rebalancing: every partition is revoked at once, so dropping all uncommitted work is exact
        c.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
        this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.deadLetters = new DeadLetters(config.bootstrapServers(), config.deadLetterTopic(),
                config.groupId() + "-deadletter", config.producerProperties());
        this.bisectionBudget = Duration.ofMillis(maxPollIntervalMs(config) / 4);
        this.thread = new Thread(this::run, "sluice-fanout");
    }

    /** Starts the fan-out on its own thread and returns. */
    public static KafkaFanout start(FanoutConfig config) {
        return start(config, FanoutListener.NONE);
    }

    /** Starts the fan-out and tells {@code listener} of every successful write. */
    public static KafkaFanout start(FanoutConfig config, FanoutListener listener) {
        return start(config, Clock.systemUTC(), listener);
    }

    static KafkaFanout start(FanoutConfig config, Clock clock, FanoutListener listener) {
        return start(config, clock, listener, Duration.ofMillis(COMMIT_INTERVAL_MS));
    }

    /** As {@link #start(FanoutConfig, FanoutListener)}, committing at most every {@code commitInterval}. */
    static KafkaFanout start(FanoutConfig config, Clock clock, FanoutListener listener, Duration commitInterval) {
        KafkaFanout f = new KafkaFanout(config, clock, listener, commitInterval);
        try {
            f.checkTopics();
        } catch (RuntimeException e) {
            closeQuietly(f.consumer);
            closeQuietly(f.deadLetters);
            closeQuietly(f.writer);
            throw e;
        }
        f.thread.start();
        LOG.info("Fan-out reads '{}' as group '{}' and writes to {} (bucket '{}'), dead letters to '{}'",
                config.topic(), config.groupId(), config.influxUrl(), config.influxBucket(), config.deadLetterTopic());
        return f;
    }

    /** Boot check: both topics must exist, or dead letters would block on metadata and stop the fan-out later. */
    private void checkTopics() {
        for (String t : List.of(config.topic(), config.deadLetterTopic())) {
            if (consumer.partitionsFor(t, Duration.ofSeconds(30)).isEmpty()) {
                throw new IllegalStateException("fan-out cannot start: topic '" + t + "' does not exist at "
                        + config.bootstrapServers());
            }
        }
    }

    /** The consumer's {@code max.poll.interval.ms}: the configured one or Kafka's default. */
    static long maxPollIntervalMs(FanoutConfig config) {
        String v = config.consumerProperties().get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
        return v == null ? 300_000 : Long.parseLong(v.trim());
    }

    /** Dead letters are counted once Kafka acknowledged them. */
    public FanoutStats stats() {
        return new FanoutStats(written.get(), batches.get(), retries.get(), deadLetters.acked(),
                deadLetters.ackedByReason(), skipped.get(), paused, lag, writeNanos.get());
    }

    /** Records taken since start (written or on their way, dead-lettered, skipped); for tests. */
    long taken() {
        return taken.get();
    }

    public boolean isRunning() {
        return thread.isAlive();
    }

    /** Blocks until the fan-out's thread has ended (after {@link #close}, or an unexpected error). */
    public void awaitStopped() throws InterruptedException {
        thread.join();
    }

    /**
     * Stops polling, tries a last flush and commit, and closes the clients. Blocks until done. The consumer thread
     * sees the request within one poll (at most 200 ms); it is not woken, since a wake-up that arrives outside a poll
     * would fail the last commit instead.
     */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops as a crash would as far as offsets go: no last flush, no commit; the batch in hand is dropped and
     * re-read by the next member. For fault tests of the offset contract.
     */
    void halt() {
        abandon = true;
        close();
    }

    private void run() {
        try {
            consumer.subscribe(List.of(config.topic()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    // batches already with the writer are let finish and committed (bounded), so the next owner
                    // rewrites as little as possible; the rest is re-read by it from the committed offset
                    if (!abandon) {
                        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.writeTimeoutMs());
                        while (inFlight > 0 && !writes.stalled && System.nanoTime() < deadline) {
                            completeWrites(50);
                        }
                        commitDone(true);
                    }
                    doneOffsets.clear();
                    stagedOffsets = null;
                    stagedLetters = null;
                    batch.drain();
                    held.clear();
                    uncommitted.clear();
                    runNextOffset = -1;
                    assigned.removeAll(partitions);
                    balancePaused.clear();
                    generation++;
                    writes.jobs.clear();
                    inFlight = 0;
                    paused = false;
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    assigned.addAll(partitions);
                    LOG.info("Fan-out assigned {}", partitions);
                }
            });
            writes.start();
            while (running) {
                step();
            }
            if (!abandon) {
                finishWrites();
            }
        } catch (WakeupException e) {
            if (running && !abandon) {
                LOG.error("Fan-out woken unexpectedly", e);
            }
        } catch (RuntimeException e) {
            LOG.error("Fan-out stopped by an unexpected error; uncommitted records will be re-read", e);
        } catch (Error e) {
            LOG.error("Fan-out stopped by a fatal error; uncommitted records will be re-read", e);
            throw e;
        } finally {
            writes.stop();
            closeQuietly(consumer);
            closeQuietly(deadLetters);
            closeQuietly(writer);
        }
    }

    /** On close: hands over the last batch, waits (bounded) for the writer, commits what it wrote. */
    private void finishWrites() {
        if (!batch.isEmpty()) {
            Job last = job();
            try {
                if (!writes.jobs.offer(last, config.writeTimeoutMs() * MAX_IN_FLIGHT, TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            inFlight++;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.writeTimeoutMs() * (inFlight + 1L));
        writes.draining = true;
        while (inFlight > 0 && System.nanoTime() < deadline && writes.fatal == null) {
            completeWrites(100);
        }
        if (inFlight == 0 && writes.fatal == null) {
            takeUncommitted();
        }
        commitDone(true);
    }

    private void step() {
        measureLag();
        completeWrites(0);
        pauseWhileTheTsdbIsAway();
        boolean writerFull = inFlight >= MAX_IN_FLIGHT && (batch.isDue() || held.size() >= holdMax);
        if (paused || (!writerFull && held.size() < holdMax)) {
            // paused partitions return nothing: polling keeps the member in its group
            hold(poll(Duration.ofMillis(pollTimeoutMillis())));
        } else if (writerFull) {
            completeWrites(200); // nothing to do until the writer hands a batch back
            if (System.nanoTime() - lastPollNanos > TimeUnit.MILLISECONDS.toNanos(KEEP_ALIVE_POLL_MS)) {
                keepAlivePoll();
            }
        }
        boolean force = false;
        while (!paused) {
            TopicPartition tp = held.next(assigned, this::behindLogEnd, force || held.size() >= holdMax);
            if (tp == null) {
                long oldest = held.oldestArrivalMillis();
                if (force || oldest < 0 || clock.millis() - oldest < Math.max(1, config.lingerMs())) {
                    break;
                }
                force = true; // the longest-held record waited a linger: take what is held, in time order
                continue;
            }
            boolean refused = false;
            runPartition = tp;
            do { // the partition's run: its records up to the next of another partition in time
                Pending next = held.head(tp);
                if (!take(next)) {
                    refused = true; // the writer has its hands full: the record stays held
                    break;
                }
                held.removeHead(tp);
                taken.incrementAndGet();
                runNextOffset = next.record().offset() + 1;
            } while (held.runContinues(tp));
            endRun();
            if (refused) {
                break;
            }
        }
        balance();
        if (batch.isDue()) {
            handOff();
        }
        if (batch.isEmpty() && inFlight == 0) {
            takeUncommitted();
        }
        commitDone(false);
    }

    private ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
        ConsumerRecords<byte[], byte[]> polled = consumer.poll(timeout);
        lastPollNanos = System.nanoTime();
        return polled;
    }

    private void hold(ConsumerRecords<byte[], byte[]> polled) {
        long now = clock.millis();
        for (TopicPartition tp : polled.partitions()) {
            for (ConsumerRecord<byte[], byte[]> rec : polled.records(tp)) {
                hold(tp, rec, now);
            }
        }
    }

    /**
     * While the writer works through a long batch (a bisection, many dead letters) and the member takes nothing new,
     * it still polls, with every partition paused, so it stays in its group within {@code max.poll.interval.ms}
     * instead of being evicted and having its batch redone by the next owner.
     */
    private void keepAlivePoll() {
        Set<TopicPartition> pausing = new HashSet<>(consumer.assignment());
        pausing.removeAll(consumer.paused());
        consumer.pause(pausing);
        try {
            hold(poll(Duration.ZERO)); // paused partitions return nothing; a rebalance may run here
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
    private void pauseWhileTheTsdbIsAway() {
        boolean away = inFlight > 0 && writes.stalled;
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

    /** Commits the offsets of batches the writer reports written, in order; waits up to {@code timeoutMs} for one. */
    private void completeWrites(long timeoutMs) {
        Job done;
        try {
            done = timeoutMs > 0 ? writes.done.poll(timeoutMs, TimeUnit.MILLISECONDS) : writes.done.poll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        while (done != null) {
            if (done.generation == generation) {
                inFlight--;
                doneOffsets.putAll(done.offsets); // jobs complete in order: later offsets replace earlier ones
            }
            done = writes.done.poll();
        }
        if (writes.fatal != null) {
            throw new IllegalStateException("fan-out writer failed", writes.fatal);
        }
    }

    /** The run's records taken so far join the uncommitted offsets (one map entry per run, not per record). */
    private void endRun() {
        if (runNextOffset >= 0) {
            uncommitted.put(runPartition, new OffsetAndMetadata(runNextOffset));
            runNextOffset = -1;
        }
    }

    /** The batch and the offsets of every record taken since the last hand-over, as one job for the writer. */
    private Job job() {
        endRun(); // a hand-over in the middle of a run: the records taken so far are in this batch
        boolean timeOrdered = batch.inTimeOrder();
        Job j = new Job(generation, batch.drain(), timeOrdered, Map.copyOf(uncommitted));
        uncommitted.clear();
        return j;
    }

    /** Hands the batch to the writer; false (batch kept) when {@value #MAX_IN_FLIGHT} are already in flight. */
    private boolean handOff() {
        if (batch.isEmpty()) {
            return true;
        }
        if (inFlight >= MAX_IN_FLIGHT) {
            return false;
        }
        Job j = job();
        if (!writes.jobs.offer(j)) {
            throw new IllegalStateException("writer queue full with " + inFlight + " batches in flight");
        }
        inFlight++;
        return true;
    }

    /** A polled record and what it decoded to. */
    private record Pending(ConsumerRecord<byte[], byte[]> record, Decoded decoded) {
    }

    /** Decodes a polled record and holds it with the time of its first point (records without points go first). */
    private void hold(TopicPartition tp, ConsumerRecord<byte[], byte[]> rec, long nowMillis) {
        Decoded decoded = decodeSafely(rec);
        long ts = decoded instanceof Decoded.Points ps && !ps.points().isEmpty()
                ? ps.points().get(0).time() : Long.MIN_VALUE;
        held.add(tp, new Pending(rec, decoded), ts, nowMillis);
    }

    /** True unless Kafka says the partition's position is at its log end (unknown counts as behind). */
    private boolean behindLogEnd(TopicPartition tp) {
        OptionalLong lag = consumer.currentLag(tp);
        return lag.isEmpty() || lag.getAsLong() > 0;
    }

    /** Until the batch is due or the longest-held record has waited a linger, at most 200 ms. */
    private long pollTimeoutMillis() {
        long timeout = batch.isEmpty() ? 200 : Math.min(200, batch.millisUntilDue());
        long oldest = held.oldestArrivalMillis();
        if (oldest >= 0) {
            timeout = Math.min(timeout, oldest + config.lingerMs() - clock.millis());
        }
        return Math.max(1, timeout);
    }

    /**
     * Pauses a partition holding its share of {@link #holdMax} and resumes it once half of that is taken: memory stays
     * bounded, and one partition's buffered fetch cannot fill the hold before the others delivered (a poll returns
     * records of one partition at a time), which would force records out of time order.
     */
    private void balance() {
        int holdPerPartition = Math.max(HOLD_PER_PARTITION_MIN, holdMax / Math.max(1, assigned.size()));
        for (TopicPartition tp : assigned) {
            int n = held.size(tp);
            if (n >= holdPerPartition && balancePaused.add(tp)) {
                consumer.pause(List.of(tp));
            } else if (n <= holdPerPartition / 2 && balancePaused.remove(tp) && !paused) {
                consumer.resume(List.of(tp));
            }
        }
    }

    /** Takes one held record into the batch (handing the batch over first if it would overflow); false when the
     * writer still has the previous batch. */
    private boolean take(Pending pending) {
        ConsumerRecord<byte[], byte[]> rec = pending.record();
        switch (pending.decoded()) {
            case Decoded.Failed f -> deadLetters.send(rec, f.reason(), f.message(), 0, null);
            case Decoded.Unmatched u -> {
                if (config.unmatchedToDeadLetter()) {
                    deadLetters.send(rec, "unmatched", "no mapping rule matches the topic", 0, null);
                } else {
                    skipped.incrementAndGet();
                }
            }
            case Decoded.Points ps -> {
                List<Point> points = ps.points();
                for (int i = 0, n = points.size(); i < n; i++) { // by index: no iterator per record
                    Point p = points.get(i);
                    if (batch.wouldOverflow(p) && !handOff()) {
                        // the points of this record added so far stay in the batch; re-taking the record adds
                        // them again, which the TSDB collapses (same series, timestamp)
                        return false;
                    }
                    batch.add(rec, p);
                }
            }
        }
        return true;
    }

    /**
     * A batch handed to the writer, with the offsets to commit once it is written; {@code timeOrdered}: its points
     * were taken in time order (the common case).
     */
    private record Job(int generation, List<MicroBatcher.Entry<ConsumerRecord<byte[], byte[]>>> entries,
                       boolean timeOrdered, Map<TopicPartition, OffsetAndMetadata> offsets) {
    }

    /**
     * The writer thread: writes handed-over batches one at a time, in order; keeps a batch the TSDB cannot take and
     * retries it after a backoff until it is written, a rebalance abandons it, or the fan-out stops.
     */
    private final class Writes {
        final java.util.concurrent.BlockingQueue<Job> jobs = new java.util.concurrent.ArrayBlockingQueue<>(
                MAX_IN_FLIGHT);
        final java.util.concurrent.BlockingQueue<Job> done = new java.util.concurrent.LinkedBlockingQueue<>();
        final Thread thread = new Thread(this::run, "sluice-fanout-writer");
        volatile boolean stalled;
        volatile boolean draining;
        volatile boolean stopped;
        volatile Throwable fatal;

        void start() {
            thread.setDaemon(true);
            thread.start();
        }

        /** Ends the thread: a batch still retrying is given up (its offsets were never committed). */
        void stop() {
            stopped = true;
            thread.interrupt();
            try {
                thread.join(config.writeTimeoutMs() + 5_000L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void run() {
            while (!stopped) {
                Job job;
                try {
                    job = jobs.poll(200, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    continue; // stopped is checked above
                }
                if (job != null) {
                    try {
                        write(job);
                    } catch (Throwable e) { // ends the member (below) rather than leave it waiting on a dead writer
                        LOG.error("Fan-out writer failed; uncommitted records will be re-read", e);
                        fatal = e;
                        return;
                    }
                }
            }
        }

        private void write(Job job) {
            List<MicroBatcher.Entry<ConsumerRecord<byte[], byte[]>>> entries = job.timeOrdered() ? job.entries()
                    : inTimeOrder(job.entries());
            while (!stopped && job.generation() == generation) {
                long started = System.nanoTime();
                try {
                    InfluxWriter.Result<ConsumerRecord<byte[], byte[]>> r = writer.write(entries, bisectionBudget);
                    long took = System.nanoTime() - started;
                    writeNanos.addAndGet(took);
                    listener.written(r.written(), took);
                    for (int i = 0; i < r.rejected().size() && job.generation() == generation; i++) {
                        // a batch a rebalance abandoned sends none: its next owner dead-letters its records
                        InfluxWriter.Rejected<ConsumerRecord<byte[], byte[]>> bad = r.rejected().get(i);
                        String reason = !bad.isolated() ? "unresolved"
                                : bad.status() == 413 ? "too_large" : "rejected_by_tsdb";
                        deadLetters.send(bad.entry().source(), reason, bad.message(), bad.status(),
                                bad.entry().point().line());
                    }
                    written.addAndGet(r.written());
                    batches.incrementAndGet();
                    backoff.reset();
                    stalled = false;
                    done.add(job);
                    return;
                } catch (TsdbUnavailableException e) {
                    retries.incrementAndGet();
                    stalled = true;
                    Duration delay = backoff.next(e.retryAfter());
                    LOG.warn("TSDB unavailable ({}); {} points kept, retry {} in {} ms", e.getMessage(),
                            entries.size(), backoff.attempts(), delay.toMillis());
                    if (draining) {
                        return; // closing: the batch stays unwritten and uncommitted
                    }
                    long until = System.nanoTime() + delay.toNanos();
                    while (!stopped && job.generation() == generation && System.nanoTime() < until) {
                        java.util.concurrent.locks.LockSupport.parkNanos(
                                Math.min(until - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(100)));
                    }
                }
            }
        }
    }

    /**
     * Every few seconds: records in the assigned partitions past the committed offsets (what is neither written nor
     * dead-lettered yet). Asks Kafka for end offsets with a short timeout; keeps the last value when it cannot.
     */
    private void measureLag() {
        long now = clock.millis();
        if (now - lagMeasuredAt < LAG_INTERVAL_MS) {
            return;
        }
        lagMeasuredAt = now;
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

    /**
     * The batch in time order. A batch mixes partitions, so its points arrive out of time order, which a TSDB takes
     * far more dearly (QuestDB merges out-of-order rows into its partitions). The sort is stable: points of one
     * series and time keep their log order, so the later one still wins.
     */
    static <S> List<MicroBatcher.Entry<S>> inTimeOrder(List<MicroBatcher.Entry<S>> drained) {
        int n = drained.size();
        long[] keys = new long[n];
        boolean sorted = true;
        for (int i = 0; i < n; i++) {
            keys[i] = drained.get(i).point().time();
            sorted &= i == 0 || keys[i - 1] <= keys[i];
        }
        if (sorted) {
            return drained; // the common case since records are taken across partitions in time order
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(keys[a], keys[b])); // merge sort: stable
        List<MicroBatcher.Entry<S>> out = new ArrayList<>(n);
        for (Integer i : order) {
            out.add(drained.get(i));
        }
        return out;
    }

    /** Records taken since the last hand-over are all done (written, dead-lettered or skipped): their offsets too. */
    private void takeUncommitted() {
        endRun();
        doneOffsets.putAll(uncommitted);
        uncommitted.clear();
    }

    /**
     * Commits what is done, never ahead of its dead letters. Periodically (every commit interval): the offsets done
     * are staged with the dead letters sent so far and committed once Kafka acknowledged those letters, without
     * waiting for it. {@code now} (partitions given up, close): everything done is committed after waiting for its
     * dead letters at most {@code write_timeout_ms}; if they are not acknowledged by then, nothing is committed and
     * the next owner re-reads the records.
     */
    private void commitDone(boolean now) {
        if (now) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            List<DeadLetters.Sent> letters = new ArrayList<>();
            if (stagedOffsets != null) {
                offsets.putAll(stagedOffsets);
                letters.addAll(stagedLetters);
            }
            offsets.putAll(doneOffsets); // later offsets replace staged ones
            letters.addAll(deadLetters.takeSent());
            stagedOffsets = null;
            stagedLetters = null;
            doneOffsets.clear();
            if (offsets.isEmpty()) {
                return;
            }
            boolean acked;
            try {
                acked = deadLetters.await(letters,
                        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.writeTimeoutMs()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                acked = false;
            }
            if (!acked) {
                LOG.warn("Dead letters not acknowledged within {} ms; offsets not committed, the records will be"
                        + " re-read", config.writeTimeoutMs());
                return;
            }
            commit(offsets);
            return;
        }
        if (stagedOffsets == null && !doneOffsets.isEmpty()
                && System.nanoTime() - lastCommitNanos >= commitIntervalNanos) {
            stagedOffsets = Map.copyOf(doneOffsets);
            stagedLetters = deadLetters.takeSent(); // every letter of a record up to these offsets is among them
            doneOffsets.clear();
        }
        if (stagedOffsets != null && deadLetters.acked(stagedLetters)) {
            commit(stagedOffsets);
            stagedOffsets = null;
            stagedLetters = null;
        }
    }

    private void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        consumer.commitSync(offsets);
        lastCommitNanos = System.nanoTime();
    }

    /**
     * Decodes a record; whatever its content makes the decoder throw becomes a failure ({@code decoder_error}) that
     * is dead-lettered with the throwable as its message, so no record can end the member. Only the process's own
     * failures pass: {@link #fatal} ones.
     */
    private Decoded decodeSafely(ConsumerRecord<byte[], byte[]> rec) {
        try {
            return decode(rec);
        } catch (Throwable t) {
            if (fatal(t)) {
                throw t;
            }
            LOG.warn("Decoding {}-{}@{} threw; dead-lettering it", rec.topic(), rec.partition(), rec.offset(), t);
            return new Decoded.Failed("decoder_error", String.valueOf(t));
        }
    }

    /**
     * The process's own failures, which no record's content can cause with bounded decoders: out of memory, a
     * broken JVM ({@link VirtualMachineError} other than {@link StackOverflowError}, which a record can cause) and
     * classes that cannot load ({@link LinkageError}). They end the member, which the service replaces.
     */
    static boolean fatal(Throwable t) {
        return (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) || t instanceof LinkageError;
    }

    /**
     * Decodes a record. Only the two headers the decoder needs are looked for, in one pass that stops once it has both
     * (Sluice writes them first; every header key read is decoded to a string by Kafka's client); the topic goes to
     * the decoder as the header's bytes, and the record key (the client id) is not needed. The receive-time header is
     * not looked for when no rule uses it (then the record's timestamp stands in, unused).
     */
    private Decoded decode(ConsumerRecord<byte[], byte[]> rec) {
        byte[] topic = null;
        int topicFrom = 0;
        byte[] received = null;
        long receivedNs = -1;
        for (Header h : rec.headers()) {
            String k = h.key();
            if (ReadingHeader.KEY.equals(k)) { // the compact layout: everything in one header, the topic last
                byte[] v = h.value();
                int at = ReadingHeader.topicStart(v);
                if (at >= 0) {
                    topic = v; // read where it is: it runs to the end of the value
                    topicFrom = at;
                    receivedNs = usesReceiveTime ? ReadingHeader.receivedNs(v) : -1;
                }
                break;
            }
            if (topic == null && "sluice.topic".equals(k)) {
                topic = h.value();
            } else if (received == null && usesReceiveTime && "sluice.received_ns".equals(k)) {
                received = h.value();
            }
            if (topic != null && (received != null || !usesReceiveTime)) {
                break;
            }
        }
        if (received != null) {
            receivedNs = Decimal.parse(received);
        }
        if (receivedNs < 0) {
            receivedNs = rec.timestamp() * 1_000_000L;
        }
        return decoder.decode(topic == null ? NO_TOPIC : topic, topicFrom, rec.value(), receivedNs);
    }

    private static final byte[] NO_TOPIC = new byte[0];

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("close failed", e);
        }
    }
}
