package io.sluice.sinks.kafka;

import io.sluice.sinks.AppendResult;
import io.sluice.sinks.LogConfig;
import io.sluice.sinks.LogHeader;
import io.sluice.sinks.LogRecord;
import io.sluice.sinks.internal.FailureLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a reading and a session-store record in one Kafka transaction: both become visible to {@code read_committed}
 * readers, or neither. What MQTT QoS 2 needs to be exactly once into the log across a crash (the session record
 * remembers the packet id until PUBREL).
 *
 * <p><b>Group commit.</b> One dedicated producer ({@code transactional.id} given by the caller, one per node) and one
 * sender thread: it takes every pair waiting (up to {@link #MAX_PAIRS_PER_TRANSACTION}), writes them in one
 * transaction and commits. A transaction costs a few round trips to the transaction coordinator on top of the writes
 * (AddPartitionsToTxn, EndTxn, the commit markers), so under load many messages share one; alone, a message waits
 * for one whole transaction. A failed transaction fails every pair in it: a pair whose reading Kafka refused for good
 * (too large, ...) is REJECTED, the others RETRYABLE. A fenced or broken producer is closed and a new one made (its
 * {@code initTransactions} aborts whatever the old one left open).
 *
 * <p><b>Threading.</b> {@link #append} is thread-safe and never blocks; the future completes exactly once, on the
 * sender thread, never exceptionally: callers only re-dispatch from it.
 *
 * <p><b>Memory.</b> The queue has no bound of its own, as {@link KafkaLog}'s: callers hold each reading's weight in
 * their in-flight budget until its future completes (the session records are a few dozen bytes).
 */
public final class KafkaTransactionalLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTransactionalLog.class);
    /** Pairs in one transaction at most; more wait for the next. */
    static final int MAX_PAIRS_PER_TRANSACTION = 1_000;

    private final LogConfig config;
    private final String sessionsTopic;
    private final String transactionalId;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final FailureLog failureLog = new FailureLog();
    private final Thread sender;
    private final LongAdder committed = new LongAdder();
    private final LongAdder transactions = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private volatile boolean closed;
    /** Sender thread only (and close, after the sender ended). */
    private Producer<String, byte[]> producer;

    private record Pending(LogRecord reading, String sessionKey, byte[] sessionValue, long queuedAtNanos,
                           CompletableFuture<AppendResult> future) {
    }

    /**
     * Starts the sender thread; the producer is made (and its transactions initialised) on it, at the first write.
     *
     * @param config          the readings log's settings (topic, timeouts, client properties)
     * @param sessionsTopic   the compacted sessions topic the session records go to
     * @param transactionalId unique per node: a second producer with the same id fences the first
     */
    public KafkaTransactionalLog(LogConfig config, String sessionsTopic, String transactionalId) {
        this.config = config;
        this.sessionsTopic = Objects.requireNonNull(sessionsTopic, "sessionsTopic");
        this.transactionalId = Objects.requireNonNull(transactionalId, "transactionalId");
        producerProperties(config, transactionalId); // fails here, not on the sender thread, for a bad config
        this.sender = new Thread(this::run, "sluice-kafka-transactional-sender");
        this.sender.setDaemon(true);
        this.sender.start();
        LOG.info("Kafka transactional log writes QoS 2 readings to '{}' with their session records in '{}'"
                + " (transactional.id {})", config.topic(), sessionsTopic, transactionalId);
    }

    static Properties producerProperties(LogConfig config, String transactionalId) {
        Properties props = KafkaLog.producerProperties(config);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0"); // the commit sends what a transaction holds
        props.put(ProducerConfig.CLIENT_ID_CONFIG, config.clientId() + "-transactional");
        return props;
    }

    /**
     * Writes {@code reading} to the readings topic and {@code sessionValue} under {@code sessionKey} to the sessions
     * topic in one transaction. Never blocks; APPENDED once the transaction committed.
     */
    public CompletableFuture<AppendResult> append(LogRecord reading, String sessionKey, byte[] sessionValue) {
        Pending p = new Pending(reading, Objects.requireNonNull(sessionKey, "sessionKey"), sessionValue,
                System.nanoTime(), new CompletableFuture<>());
        if (closed) {
            p.future.complete(AppendResult.retryable("kafka transactional log is closed"));
            return p.future;
        }
        queue.add(p);
        if (closed && queue.remove(p)) {
            p.future.complete(AppendResult.retryable("kafka transactional log is closed"));
        }
        return p.future;
    }

    private void run() {
        List<Pending> batch = new ArrayList<>();
        try {
            while (!closed || !queue.isEmpty()) {
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_PAIRS_PER_TRANSACTION - 1);
                write(batch);
                batch.clear();
            }
        } catch (InterruptedException e) {
            // close() gave up waiting
        } catch (RuntimeException | Error e) {
            LOG.error("Kafka transactional log sender failed", e);
        } finally {
            batch.forEach(p -> finish(p, AppendResult.retryable("kafka transactional log stopped")));
            closeProducer();
        }
    }

    /** One transaction for {@code batch}; completes every pair in it. */
    private void write(List<Pending> batch) {
        List<Pending> live = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            long waitedMs = (System.nanoTime() - p.queuedAtNanos) / 1_000_000;
            if (config.maxBlockMs() > 0 && waitedMs > config.maxBlockMs()) {
                fail(p, AppendResult.retryable("not written to Kafka within max.block.ms (" + config.maxBlockMs()
                        + " ms): Kafka unreachable or slow"), "RETRYABLE queued past max.block.ms");
            } else {
                live.add(p);
            }
        }
        if (live.isEmpty()) {
            return;
        }
        List<Future<RecordMetadata>> readings = new ArrayList<>(live.size());
        var sendErrors = new java.util.concurrent.atomic.AtomicReferenceArray<Throwable>(live.size());
        try {
            Producer<String, byte[]> tx = producer();
            tx.beginTransaction();
            for (int n = 0; n < live.size(); n++) {
                Pending p = live.get(n);
                int i = n;
                readings.add(tx.send(reading(p), (m, e) -> {
                    if (e != null) {
                        sendErrors.set(i, e);
                    }
                }));
                tx.send(new ProducerRecord<>(sessionsTopic, p.sessionKey, p.sessionValue));
            }
            tx.commitTransaction(); // flushes; throws when any send of the transaction failed
            transactions.increment();
            for (int i = 0; i < live.size(); i++) {
                RecordMetadata m = readings.get(i).get();
                committed.increment();
                finish(live.get(i), AppendResult.appended(m.partition(), m.offset()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            live.forEach(p -> finish(p, AppendResult.retryable("kafka transactional log interrupted")));
        } catch (Exception e) {
            abort(e);
            for (int i = 0; i < live.size(); i++) {
                Throwable own = sendErrors.get(i);
                AppendResult r = own != null && Failures.rejects(own) ? Failures.classify(own)
                        : AppendResult.retryable("transaction not committed: " + Failures.reason(e));
                fail(live.get(i), r, r.status() + " " + Failures.kind(own != null ? own : e));
            }
        }
    }

    private ProducerRecord<String, byte[]> reading(Pending p) {
        var headers = new RecordHeaders();
        for (LogHeader h : p.reading.headers()) {
            headers.add(h.name(), h.value());
        }
        return new ProducerRecord<>(config.topic(), null, null, p.reading.key(), p.reading.value(), headers);
    }

    /** The producer, made and initialised on first use and after a failure; blocks up to max.block.ms. */
    private Producer<String, byte[]> producer() {
        if (producer == null) {
            Producer<String, byte[]> made = new KafkaProducer<>(producerProperties(config, transactionalId));
            try {
                made.initTransactions(); // aborts what an earlier producer of this id left open
            } catch (RuntimeException e) {
                made.close(Duration.ZERO);
                throw e;
            }
            producer = made;
        }
        return producer;
    }

    /** Aborts the open transaction, or, when that fails too (fenced, timed out), drops the producer. */
    private void abort(Exception cause) {
        if (producer == null) {
            return;
        }
        boolean usable = cause instanceof KafkaException && !(cause instanceof
                org.apache.kafka.common.errors.ProducerFencedException)
                && !(cause instanceof org.apache.kafka.common.errors.InvalidProducerEpochException)
                && !(cause instanceof org.apache.kafka.common.errors.AuthorizationException)
                && !(cause instanceof org.apache.kafka.common.errors.TimeoutException);
        if (usable) {
            try {
                producer.abortTransaction();
                return;
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
        if (cause instanceof org.apache.kafka.common.errors.ProducerFencedException) {
            LOG.error("Kafka transactional producer '{}' was fenced: another process uses this transactional.id"
                    + " (the same node_id?)", transactionalId);
        }
        closeProducer();
    }

    private void closeProducer() {
        if (producer != null) {
            try {
                producer.close(Duration.ZERO);
            } catch (RuntimeException e) {
                LOG.debug("Closing the transactional producer: {}", e.toString());
            }
            producer = null;
        }
    }

    private void fail(Pending p, AppendResult r, String kind) {
        failed.increment();
        if (finish(p, r)) {
            String line = failureLog.record(kind, r.reason());
            if (line != null) {
                LOG.warn("Kafka transactional write to '{}' failed, {}", config.topic(), line);
            }
        }
    }

    private static boolean finish(Pending p, AppendResult r) {
        return p.future.complete(r);
    }

    /** Transactions committed. */
    public long transactionCount() {
        return transactions.sum();
    }

    /** Readings committed (with their session records). */
    public long committedCount() {
        return committed.sum();
    }

    /** Pairs that ended RETRYABLE or REJECTED. */
    public long failedCount() {
        return failed.sum();
    }

    /** Pairs waiting for the sender thread. */
    public int queued() {
        return queue.size();
    }

    /**
     * Stops taking writes, lets the sender commit what is queued until {@code timeout}, then stops it; whatever is
     * left completes RETRYABLE. Blocks the caller; idempotent.
     */
    public void close(Duration timeout) {
        if (closed) {
            return;
        }
        closed = true;
        try {
            sender.join(Math.max(1, timeout.toMillis()));
            if (sender.isAlive()) {
                sender.interrupt();
                sender.join(2_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Pending p;
        while ((p = queue.poll()) != null) {
            finish(p, AppendResult.retryable("kafka transactional log closed before the write"));
        }
        for (String line : failureLog.drain()) {
            LOG.warn("Kafka transactional write to '{}' failed, {}", config.topic(), line);
        }
        LOG.info("Kafka transactional log closed: {} reading(s) committed in {} transaction(s), {} failed",
                committedCount(), transactionCount(), failedCount());
    }

    @Override
    public void close() {
        close(Duration.ofMillis(config.requestTimeoutMs()));
    }
}
