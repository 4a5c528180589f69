package io.sluice.sinks.kafka;

import io.sluice.sinks.SessionLogConfig;
import io.sluice.sinks.SessionLogException;
import io.sluice.sinks.internal.KafkaClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable key/value store on a compacted topic: one value per key (a client id), a tombstone to remove it.
 * Any node can read the whole store at start-up; compaction keeps the topic about the size of the live state.
 *
 * <p><b>Threading.</b> {@link #put} and {@link #remove} are thread-safe and never block: writes go to a dedicated
 * sender thread (the producer's {@code send} may block for metadata) and are sent in call order, so the last call
 * for a key wins. Their futures complete on the producer's I/O thread once Kafka acknowledged the write with
 * {@code acks=all}, or exceptionally with a {@link SessionLogException}; callers re-dispatch from there.
 * {@link #loadAll} blocks and is meant for start-up.
 *
 * <p><b>Memory.</b> Writes waiting for the sender thread (many, while Kafka is slow or down and every send waits
 * for metadata) are bounded: only the latest write per key waits (a newer one takes an older one's place in the
 * queue, and the older one's future completes with the newer one's outcome, since only the latest state of a key
 * matters), and their total weight (value, key and {@value #WRITE_OVERHEAD_BYTES} bytes each) stays within
 * {@link SessionLogConfig#maxQueuedBytes}; a write that does not fit fails at once, retryable.
 *
 * <p><b>Following.</b> {@link #follow} hands every record written after {@link #loadAll}'s end (by any node) to a
 * listener on a follower thread ({@link SessionFollower}). Every write of this instance carries the header
 * {@value SessionFollower#NODE_HEADER} naming its node, so a follower can tell its own node's records.
 *
 * <p>The topic must exist as a compacted topic ({@code KafkaTopics.ensureSessionsTopic}): {@link #loadAll} does
 * not create it, and a write to a missing topic could have the broker auto-create it uncompacted.
 */
public final class KafkaSessionLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSessionLog.class);
    private static final Duration POLL = Duration.ofMillis(200);
    /** What a queued write holds beyond its key and value: the write, its future, the map entry. */
    static final int WRITE_OVERHEAD_BYTES = 128;

    private final SessionLogConfig config;
    private final Producer<String, byte[]> producer;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object lock = new Object();
    /** Latest write per key, oldest key first; guarded by {@link #lock}. */
    private final LinkedHashMap<String, Write> queued = new LinkedHashMap<>();
    private long queuedBytes; // guarded by lock
    private boolean stopping; // guarded by lock
    private volatile boolean abandonRest;
    private final LongAdder coalesced = new LongAdder();
    private final LongAdder refusedFull = new LongAdder();
    private final Thread sender;
    /** The node named in each write's {@value SessionFollower#NODE_HEADER} header; "" for none. */
    private final String nodeId;
    /** Where the last {@link #loadAll} stopped, per partition: where {@link #follow} starts. */
    private volatile Map<org.apache.kafka.common.TopicPartition, Long> loadedTo;
    private SessionFollower follower; // guarded by lock

    /**
     * Told each record of the sessions topic a {@link #follow}er reads, on the follower thread.
     */
    @FunctionalInterface
    public interface RecordListener {
        /**
         * @param key    the record's key (never null; keys holding {@code \0} are not handed on)
         * @param value  its value, null for a tombstone
         * @param writer the node its {@value SessionFollower#NODE_HEADER} header names, "" without one
         */
        void onRecord(String key, byte[] value, String writer);
    }

    /** A put (value != null) or a remove (value == null, a tombstone). */
    private record Write(String key, byte[] value, CompletableFuture<Void> future) {
        long weight() {
            return (value == null ? 0 : value.length) + 2L * key.length() + WRITE_OVERHEAD_BYTES;
        }
    }

    /**
     * Creates the producer and its sender thread; does not contact Kafka.
     *
     * @throws IllegalArgumentException when Kafka refuses the configuration
     */
    public KafkaSessionLog(SessionLogConfig config) {
        this(config, "");
    }

    /**
     * As {@link #KafkaSessionLog(SessionLogConfig)}, naming {@code nodeId} in the
     * {@value SessionFollower#NODE_HEADER} header of every write ("" for none).
     */
    public KafkaSessionLog(SessionLogConfig config, String nodeId) {
        this.config = config;
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        try {
            this.producer = new KafkaProducer<>(producerProperties(config));
        } catch (KafkaException e) {
            throw new IllegalArgumentException("cannot create the Kafka producer for session topic '"
                    + config.topic() + "' at " + config.bootstrapServers() + ": " + Failures.reason(e), e);
        }
        this.sender = new Thread(this::run, "sluice-session-log-sender");
        this.sender.setDaemon(true);
        this.sender.start();
    }

    private static Properties producerProperties(SessionLogConfig config) {
        // session writes are rare and someone waits for each: do not hold them back for batching (linger 0)
        return KafkaClients.durableProducer(config.bootstrapServers(), config.clientId() + "-writer",
                config.clientProperties(), 0, config.deliveryTimeoutMs(), config.requestTimeoutMs(),
                config.maxBlockMs());
    }

    private static Properties consumerProperties(SessionLogConfig config) {
        // no group: partitions are assigned by hand and nothing is committed
        Properties props = KafkaClients.assignedConsumer(config.bootstrapServers(), config.clientId() + "-loader",
                config.clientProperties(), config.requestTimeoutMs());
        // QoS 2 packet ids are written in transactions with their readings: an aborted one was never remembered
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return props;
    }

    /**
     * Reads the whole topic and returns the latest value per key, removed keys absent. Reads up to the end offsets
     * taken when it starts (writes racing with the load may or may not be included). Blocks up to the load timeout.
     * Thread-safe (each call uses its own consumer); the returned map belongs to the caller.
     *
     * @throws SessionLogException when the topic is missing, or cannot be read to its end within the load timeout
     */
    public Map<String, byte[]> loadAll() {
        long started = System.nanoTime();
        try (var consumer = new KafkaConsumer<String, byte[]>(consumerProperties(config))) {
            var loader = new SessionLoader(consumer, config.topic(), Duration.ofMillis(config.loadTimeoutMs()), POLL);
            Map<String, byte[]> state = loader.load();
            loadedTo = loader.positions();
            LOG.info("Loaded {} sessions from '{}' ({} records read) in {} ms", state.size(), config.topic(),
                    loader.recordsRead(), (System.nanoTime() - started) / 1_000_000);
            return state;
        } catch (SessionLogException e) {
            throw e;
        } catch (KafkaException e) {
            throw new SessionLogException("cannot read session topic '" + config.topic() + "' at "
                    + config.bootstrapServers() + ": " + Failures.reason(e), !Failures.rejects(e), e);
        }
    }

    /**
     * Starts following the topic from where the last {@link #loadAll} stopped (from its end when none ran): each
     * record after it goes to {@code listener} on the thread {@code sluice-session-follower}, in log order per
     * partition, until {@link #close}. Keys holding {@code \0} and keyless records are skipped. Never blocks; a Kafka
     * outage delays following, it never stops it. At most one follower per instance.
     *
     * @throws IllegalStateException when already following or closed
     */
    public void follow(RecordListener listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (lock) {
            if (follower != null || stopping || closed.get()) {
                throw new IllegalStateException("session log already following, or closed");
            }
            Map<org.apache.kafka.common.TopicPartition, Long> from = loadedTo;
            var consumer = new KafkaConsumer<String, byte[]>(followerProperties(config));
            try {
                if (from == null) {
                    var partitions = new ArrayList<org.apache.kafka.common.TopicPartition>();
                    consumer.partitionsFor(config.topic(), Duration.ofMillis(config.loadTimeoutMs())).forEach(
                            p -> partitions.add(new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())));
                    from = consumer.endOffsets(partitions, Duration.ofMillis(config.loadTimeoutMs()));
                }
                follower = new SessionFollower(consumer, config.topic(), from, listener);
            } catch (RuntimeException e) {
                consumer.close(Duration.ZERO);
                throw e;
            }
        }
    }

    private static Properties followerProperties(SessionLogConfig config) {
        Properties props = consumerProperties(config);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, config.clientId() + "-follower");
        return props;
    }

    /**
     * Completes once the follower has handed on every record that was in the topic when called (see
     * {@link SessionFollower#caughtUp}); at once when not following. Fails when Kafka cannot say where the topic ends
     * or the log closes. Never blocks.
     */
    public CompletableFuture<Void> caughtUp() {
        SessionFollower f;
        synchronized (lock) {
            f = follower;
        }
        return f == null ? CompletableFuture.completedFuture(null) : f.caughtUp();
    }

    /** Records the follower read so far (0 when not following). */
    public long followedRecords() {
        SessionFollower f;
        synchronized (lock) {
            f = follower;
        }
        return f == null ? 0 : f.recordsRead();
    }

    /** Polls of the follower that returned so far, with records or without (0 when not following). */
    public long followerPolls() {
        SessionFollower f;
        synchronized (lock) {
            f = follower;
        }
        return f == null ? 0 : f.polls();
    }

    /** Stores the value for a key; never blocks. Completes once durable (acks=all) or fails with the reason. */
    public CompletableFuture<Void> put(String key, byte[] value) {
        Objects.requireNonNull(value, "value (use remove to delete a key)");
        return write(key, value);
    }

    /**
     * As {@link #put}, for a write nobody waits for (a presence record): refused at once when the writes waiting
     * would then weigh more than half of {@link SessionLogConfig#maxQueuedBytes}, so such writes never take the room
     * the writes clients wait for need.
     */
    public CompletableFuture<Void> offer(String key, byte[] value) {
        Objects.requireNonNull(value, "value (use remove to delete a key)");
        return write(key, value, config.maxQueuedBytes() / 2);
    }

    /** Deletes a key by writing a tombstone; never blocks. Completes once durable or fails with the reason. */
    public CompletableFuture<Void> remove(String key) {
        return write(key, null);
    }

    private CompletableFuture<Void> write(String key, byte[] value) {
        return write(key, value, config.maxQueuedBytes());
    }

    private CompletableFuture<Void> write(String key, byte[] value, long maxQueuedBytes) {
        Objects.requireNonNull(key, "key");
        var w = new Write(key, value, new CompletableFuture<>());
        Write replaced;
        synchronized (lock) {
            if (stopping || closed.get()) {
                replaced = w; // fails below, outside the lock
            } else {
                Write previous = queued.get(key);
                long next = queuedBytes + w.weight() - (previous == null ? 0 : previous.weight());
                if (next > maxQueuedBytes && !queued.isEmpty() && (previous == null || queued.size() > 1)) {
                    refusedFull.increment();
                    w.future.completeExceptionally(failure(w, "session log queue full (" + queuedBytes
                            + " bytes of writes wait for Kafka, at most " + maxQueuedBytes + ")", true, null));
                    return w.future;
                }
                queued.put(key, w); // a key already queued keeps its place: only its latest write waits
                queuedBytes = next;
                lock.notifyAll();
                replaced = previous;
                if (previous != null) {
                    coalesced.increment();
                }
            }
        }
        if (replaced == w) {
            w.future.completeExceptionally(failure(w, "session log is closed", true, null));
        } else if (replaced != null) {
            w.future.whenComplete((v, err) -> {
                if (err == null) {
                    replaced.future.complete(null);
                } else {
                    replaced.future.completeExceptionally(err);
                }
            });
        }
        return w.future;
    }

    private void run() {
        while (true) {
            Write w;
            synchronized (lock) {
                while (queued.isEmpty() && !stopping) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return; // close() gave up waiting; what is still queued fails there
                    }
                }
                if (queued.isEmpty() || abandonRest) {
                    return;
                }
                Iterator<Write> oldest = queued.values().iterator();
                w = oldest.next();
                oldest.remove();
                queuedBytes -= w.weight();
            }
            if (!w.future.isDone()) { // done already: someone completed it for us and waits no more
                send(w);
            }
        }
    }

    /** Writes waiting for the sender thread (one per key at most). */
    public int queuedWrites() {
        synchronized (lock) {
            return queued.size();
        }
    }

    /** Weight of the writes waiting for the sender thread, bounded by {@link SessionLogConfig#maxQueuedBytes}. */
    public long queuedBytes() {
        synchronized (lock) {
            return queuedBytes;
        }
    }

    /** Writes that took an older write's place in the queue. */
    public long coalescedCount() {
        return coalesced.sum();
    }

    /** Writes refused at once because the queue was full. */
    public long refusedQueueFullCount() {
        return refusedFull.sum();
    }

    /** Runs on the sender thread; may block up to max.block.ms inside send. */
    private void send(Write w) {
        try {
            var record = new ProducerRecord<>(config.topic(), w.key, w.value);
            if (!nodeId.isEmpty()) {
                record.headers().add(SessionFollower.NODE_HEADER, nodeId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            producer.send(record, (metadata, exception) -> {
                if (exception == null) {
                    w.future.complete(null);
                } else {
                    w.future.completeExceptionally(
                            failure(w, Failures.reason(exception), !Failures.rejects(exception), exception));
                }
            });
        } catch (RuntimeException e) {
            w.future.completeExceptionally(failure(w, Failures.reason(e), !Failures.rejects(e), e));
        }
    }

    private SessionLogException failure(Write w, String reason, boolean retryable, Throwable cause) {
        String op = w.value == null ? "remove" : "put";
        return new SessionLogException("session " + op + " of key '" + w.key + "' to topic '" + config.topic()
                + "' failed: " + reason, retryable, cause);
    }

    /**
     * Stops taking writes, waits up to {@code timeout} for outstanding ones to be acknowledged, then closes the
     * producer; writes still outstanding then fail. Blocks the caller; idempotent.
     */
    public void close(Duration timeout) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        SessionFollower f;
        synchronized (lock) {
            stopping = true;
            lock.notifyAll();
            f = follower;
        }
        if (f != null) {
            f.close();
        }
        try {
            sender.join(Math.max(1, timeout.toMillis()));
            if (sender.isAlive()) {
                abandonRest = true; // the sender may be blocked waiting for metadata: interrupting ends that
                sender.interrupt();
                sender.join(1_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Write> left;
        synchronized (lock) {
            left = new ArrayList<>(queued.values());
            queued.clear();
            queuedBytes = 0;
        }
        left.forEach(w -> w.future.completeExceptionally(
                failure(w, "session log closed before the write was sent", true, null)));
        producer.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    /** Closes with the request timeout as the grace period. */
    @Override
    public void close() {
        close(Duration.ofMillis(config.requestTimeoutMs()));
    }

    public SessionLogConfig config() {
        return config;
    }
}
