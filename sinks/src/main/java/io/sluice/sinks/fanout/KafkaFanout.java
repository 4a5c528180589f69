package io.sluice.sinks.fanout;

import io.sluice.sinks.FanoutConfig;
import io.sluice.sinks.FanoutListener;
import io.sluice.sinks.FanoutStats;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
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
 * <p>Parts, each readable alone: this class owns the consumer (group membership and rebalances, the member's
 * life, the loop); {@link Intake} polls and pauses; {@link BatchMaker} makes the batches (hold for time order, take, hand over);
 * {@link BatchWriter} writes them on its own thread; {@link Commits} commits what is done, never ahead of its dead
 * letters ({@link DeadLetters}); {@link RecordDecoding} turns a record into points or a failure; {@link MemberLag}
 * measures the member's lag.
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

    /**
     * Batches handed to the writer thread and not yet written: the one being written and the next, queued, so the
     * writer starts it the moment the TSDB answers instead of waiting for the consumer thread to finish it (with one,
     * each thread waited for the other: 0.3-0.6 s per million points on the 2-core benchmark machine).
     */
    static final int MAX_IN_FLIGHT = 2;
    private final FanoutConfig config;
    private final Clock clock;
    private final RecordDecoding decoding;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final DeadLetters deadLetters;
    private final Commits commits;
    private final MemberLag lag;
    private final InfluxWriter writer;
    private final BatchMaker maker;
    private final Intake intake;
    static final long COMMIT_INTERVAL_MS = 500;
    private final Thread thread;
    private final FanoutListener listener;
    private volatile boolean running = true;
    private volatile boolean abandon;
    private final BatchWriter writes;

    private KafkaFanout(FanoutConfig config, Clock clock, FanoutListener listener, Duration commitInterval) {
        this.config = config;
        this.clock = clock;
        this.listener = listener;
        this.decoding = new RecordDecoding(new ReadingDecoder(config.rules()));
        Duration timeout = Duration.ofMillis(config.writeTimeoutMs());
        this.writer = config.influxV1() != null ? InfluxWriter.connectV1(config.influxUrl(), config.influxV1(), timeout)
                : InfluxWriter.connect(config.influxUrl(), config.influxOrg(), config.influxBucket(),
                config.influxToken().toCharArray(), timeout);
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
        Backoff backoff = new Backoff(Duration.ofMillis(config.retryInitialMs()),
                Duration.ofMillis(config.retryMaxMs()), () -> ThreadLocalRandom.current().nextLong());
        // a refused batch is bisected at most a quarter of max.poll.interval.ms, then rejected whole
        this.writes = new BatchWriter(writer, deadLetters, backoff, listener,
                Duration.ofMillis(maxPollIntervalMs(config) / 4), config.writeTimeoutMs(), MAX_IN_FLIGHT);
        this.commits = new Commits(consumer, deadLetters, commitInterval, config.writeTimeoutMs());
        this.lag = new MemberLag(consumer, clock);
        this.maker = new BatchMaker(new MicroBatcher<>(config.batchMaxPoints(), config.batchMaxBytes(),
                config.lingerMs(), clock), Math.max(1, config.batchMaxPoints()), MAX_IN_FLIGHT, config.lingerMs(),
                config.unmatchedToDeadLetter(), clock, writes, commits, deadLetters);
        this.intake = new Intake(consumer, decoding, maker, writes, clock);
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
        LOG.info("Fan-out reads '{}' as group '{}' and writes to {}, dead letters to '{}'",
                config.topic(), config.groupId(), config.target(), config.deadLetterTopic());
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
        return new FanoutStats(writes.written.get(), writes.batches.get(), writes.retries.get(), deadLetters.acked(),
                deadLetters.ackedByReason(), maker.skipped.get(), intake.paused(), lag.lag(), writes.writeNanos.get(),
                writes.lastFailure());
    }

    /** Records taken since start (written or on their way, dead-lettered, skipped); for tests. */
    long taken() {
        return maker.taken.get();
    }

    /** Offset commits that failed since start (each kept for a later attempt or re-read); for tests. */
    long failedCommits() {
        return commits.failedCommits();
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
                        while (maker.inFlight() > 0 && !writes.stalled() && System.nanoTime() < deadline) {
                            maker.completeWrites(50);
                        }
                        commits.commit(true);
                    }
                    commits.forget();
                    maker.drop();
                    intake.revoked(partitions);
                    writes.abandonAll();
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    intake.assigned(partitions);
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
        maker.finish(config.writeTimeoutMs());
        commits.commit(true);
    }

    private void step() {
        lag.measure();
        maker.completeWrites(0);
        intake.pauseWhileTheTsdbIsAway();
        boolean writerFull = maker.writerFull();
        if (intake.paused() || (!writerFull && maker.held() < maker.holdMax())) {
            // paused partitions return nothing: polling keeps the member in its group
            intake.poll(Duration.ofMillis(maker.pollTimeoutMillis()));
        } else if (writerFull) {
            maker.completeWrites(200); // nothing to do until the writer hands a batch back
            intake.keepAliveIfDue();
        }
        if (!intake.paused()) {
            maker.takeHeld(intake.assigned(), intake::behindLogEnd);
        }
        intake.balance();
        maker.handOffAndSettle();
        commits.commit(false);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("close failed", e);
        }
    }
}
