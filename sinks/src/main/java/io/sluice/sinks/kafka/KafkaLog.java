package io.sluice.sinks.kafka;

import io.sluice.sinks.AppendResult;
import io.sluice.sinks.LogConfig;
import io.sluice.sinks.LogHeader;
import io.sluice.sinks.LogRecord;
import io.sluice.sinks.internal.FailureLog;
import io.sluice.sinks.internal.HandOff;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The readings log writer: appends records to the readings topic with {@code acks=all} and an idempotent producer,
 * and tells each caller, as a value, whether its record is durable.
 *
 * <p><b>Threading.</b> {@link #append} is thread-safe and never blocks: it enqueues the record for a dedicated
 * sender thread, because {@code KafkaProducer.send} itself may block up to {@code max.block.ms} (metadata while
 * Kafka is unreachable, or a full {@code buffer.memory}). The returned future completes exactly once, normally on
 * the producer's I/O thread; callers must only re-dispatch from it (e.g. {@code eventLoop().execute}), never do
 * work or block there, since that would stall every other acknowledgement.
 *
 * <p><b>Memory.</b> The hand-off queue is unbounded: callers bound the bytes they hand over with their in-flight
 * budget, which must not exceed {@code buffer.memory}. See {@link HandOff}.
 *
 * <p><b>Failures.</b> The future never completes exceptionally; see {@link AppendResult.Status}. Failures are
 * counted and logged at most once per failure class every ten seconds.
 */
public final class KafkaLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaLog.class);

    private final LogConfig config;
    private final Producer<String, byte[]> producer;
    private final HandOff<Pending> handOff;
    private final FailureLog failureLog = new FailureLog();
    private final AtomicLong pending = new AtomicLong();
    private final LongAdder appended = new LongAdder();
    private final LongAdder retryable = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** One record on its way; completes its future once, whoever gets there first. */
    private static final class Pending {
        final LogRecord record;
        final long appendedAtNanos = System.nanoTime();
        final CompletableFuture<AppendResult> future = new CompletableFuture<>();
        final AtomicBoolean done = new AtomicBoolean();

        Pending(LogRecord record) {
            this.record = record;
        }
    }

    /**
     * Creates the producer and the sender thread. Does not contact Kafka (use {@code KafkaTopics.health} for that).
     *
     * @throws IllegalArgumentException when Kafka refuses the configuration (e.g. an unresolvable bootstrap host
     *                                  or a bad extra property)
     */
    public KafkaLog(LogConfig config) {
        this.config = config;
        try {
            this.producer = new KafkaProducer<>(producerProperties(config));
        } catch (KafkaException e) {
            throw new IllegalArgumentException("cannot create the Kafka producer for topic '" + config.topic()
                    + "' at " + config.bootstrapServers() + ": " + Failures.reason(rootCause(e)), e);
        }
        this.handOff = new HandOff<>("sluice-kafka-log-sender", this::send,
                p -> finish(p, AppendResult.retryable("kafka log closed before the record was sent")));
        LOG.info("Kafka log writes to '{}' at {} (acks=all, idempotent, linger {} ms, batch {} B, buffer {} B,"
                        + " delivery timeout {} ms)", config.topic(), config.bootstrapServers(), config.lingerMs(),
                config.batchSizeBytes(), config.bufferMemoryBytes(), config.deliveryTimeoutMs());
    }

    static Properties producerProperties(LogConfig config) {
        var props = new Properties();
        // compression is ours by default but may be overridden through clientProperties
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.putAll(config.clientProperties());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, config.clientId());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(config.lingerMs()));
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(config.batchSizeBytes()));
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(config.bufferMemoryBytes()));
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(config.deliveryTimeoutMs()));
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(config.requestTimeoutMs()));
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(config.maxBlockMs()));
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return props;
    }

    /**
     * Hands a record to the log. Never blocks and never throws for a Kafka reason; the future completes once the
     * record is durable (APPENDED) or has failed (RETRYABLE / REJECTED), on an arbitrary thread. After
     * {@link #close} the future is completed RETRYABLE at once.
     */
    public CompletableFuture<AppendResult> append(LogRecord record) {
        var p = new Pending(record);
        pending.incrementAndGet();
        if (closed.get() || !handOff.submit(p)) {
            finish(p, AppendResult.retryable("kafka log is closed"));
        }
        return p.future;
    }

    /** Runs on the sender thread; may block up to max.block.ms inside send. */
    private void send(Pending p) {
        // While Kafka is unreachable the producer forgets its metadata (rebootstrap) and every send waits up to
        // max.block.ms, one after the other. Without this check a record deep in the queue would wait many times
        // max.block.ms for its outcome; with it, no record waits longer than about max.block.ms to be sent.
        long waitedMs = (System.nanoTime() - p.appendedAtNanos) / 1_000_000;
        if (config.maxBlockMs() > 0 && waitedMs > config.maxBlockMs()) {
            var result = AppendResult.retryable("not handed to Kafka within max.block.ms (" + config.maxBlockMs()
                    + " ms): Kafka unreachable or producer buffer full");
            fail(p, result, "RETRYABLE queued past max.block.ms", result.reason());
            return;
        }
        LogRecord r = p.record;
        var headers = new RecordHeaders();
        for (LogHeader h : r.headers()) {
            headers.add(h.name(), h.value());
        }
        var producerRecord = new ProducerRecord<>(config.topic(), null, null, r.key(), r.value(), headers);
        try {
            producer.send(producerRecord, (metadata, exception) -> {
                if (exception == null) {
                    finish(p, AppendResult.appended(metadata.partition(), metadata.offset()));
                } else {
                    fail(p, exception);
                }
            });
        } catch (RuntimeException e) {
            // send throws (rather than calling back) for interrupts, a closed producer and serialization errors
            fail(p, e);
        }
    }

    private void fail(Pending p, Throwable exception) {
        AppendResult result = Failures.classify(exception);
        fail(p, result, result.status() + " " + Failures.kind(exception), Failures.message(exception));
    }

    /** Completes a failed record, and logs it unless a line of the same kind was logged recently. */
    private void fail(Pending p, AppendResult result, String kind, String detail) {
        if (finish(p, result)) {
            String line = failureLog.record(kind, detail);
            if (line != null) {
                LOG.warn("Kafka append to '{}' failed, {}", config.topic(), line);
            }
        }
    }

    private boolean finish(Pending p, AppendResult result) {
        if (!p.done.compareAndSet(false, true)) {
            return false;
        }
        pending.decrementAndGet();
        switch (result.status()) {
            case APPENDED -> appended.increment();
            case RETRYABLE -> retryable.increment();
            case REJECTED -> rejected.increment();
        }
        p.future.complete(result);
        return true;
    }

    /**
     * Blocks until every record appended before this call has completed (which takes at most about the delivery
     * timeout). For shutdown and tests; never call it on an event loop or from a completion callback.
     */
    public void flush() {
        if (closed.get()) {
            return; // close() already waited for everything it could
        }
        try {
            handOff.awaitHandled(Duration.ofNanos(Long.MAX_VALUE));
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Blocks until every record appended before this call has been handed to the producer (or failed), without
     * waiting for Kafka's acknowledgements. Package-private: tests use it to know a record sits in the producer.
     */
    boolean awaitHandedOver(Duration timeout) throws InterruptedException {
        return handOff.awaitHandled(timeout);
    }

    /**
     * Stops taking records, waits up to {@code timeout} for everything outstanding to be acknowledged, then closes
     * the producer. Whatever is still outstanding at the deadline completes RETRYABLE; when this returns, every
     * future handed out has completed. Blocks the caller; idempotent.
     */
    public void close(Duration timeout) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            handOff.stop(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // close(t) waits for in-flight records up to t, then fails the rest through their callbacks
        producer.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        for (String line : failureLog.drain()) {
            LOG.warn("Kafka append to '{}' failed, {}", config.topic(), line);
        }
        LOG.info("Kafka log to '{}' closed: {} appended, {} retryable, {} rejected, {} outstanding", config.topic(),
                appendedCount(), retryableCount(), rejectedCount(), pendingCount());
    }

    /** Closes with the request timeout as the grace period. */
    @Override
    public void close() {
        close(Duration.ofMillis(config.requestTimeoutMs()));
    }

    /** Records appended and not yet completed (queued for the sender thread or in the producer). */
    public long pendingCount() {
        return pending.get();
    }

    public long appendedCount() {
        return appended.sum();
    }

    public long retryableCount() {
        return retryable.sum();
    }

    public long rejectedCount() {
        return rejected.sum();
    }

    public LogConfig config() {
        return config;
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
