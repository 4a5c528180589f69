package io.sluice.sinks.delivery.internal;

import io.sluice.ingest.Delivery;
import io.sluice.sinks.AppendResult;
import io.sluice.sinks.delivery.DeliveryLogConfig;
import io.sluice.sinks.internal.FailureLog;
import io.sluice.sinks.internal.HandOff;
import io.sluice.sinks.internal.KafkaClients;
import io.sluice.sinks.kafka.Failures;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write side of the delivery log: one idempotent {@code acks=all} producer for the delivery and retained topics,
 * fed through a sender thread as the readings log is ({@link HandOff}), since {@code send} may block for metadata.
 *
 * <p><b>Threading.</b> {@link #write} is thread-safe and never blocks; its future completes exactly once, never
 * exceptionally, normally on the producer's I/O thread (callers only re-dispatch from it).
 *
 * <p><b>Memory.</b> Writes waiting for Kafka's acknowledgement (queued or in the producer) weigh at most
 * {@link DeliveryLogConfig#maxPendingBytes} together: a write that does not fit completes retryable at once.
 */
public final class DeliveryWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryWriter.class);

    private final DeliveryLogConfig config;
    private final Producer<String, byte[]> producer;
    private final HandOff<Write> handOff;
    private final FailureLog failureLog = new FailureLog();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final LongAdder durable = new LongAdder();
    private final LongAdder retryable = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder refusedFull = new LongAdder();
    private volatile boolean closed;

    /** The records of one append (a copy per node) or one retain; completes when each has an outcome. */
    private static final class Write {
        final List<ProducerRecord<String, byte[]>> records;
        final long weight;
        final long queuedAtNanos = System.nanoTime();
        final CompletableFuture<Delivery> future = new CompletableFuture<>();
        final AtomicInteger remaining;
        final AtomicReference<Delivery> worst = new AtomicReference<>(Delivery.DELIVERED);
        final AtomicBoolean done = new AtomicBoolean();

        Write(List<ProducerRecord<String, byte[]>> records, long weight) {
            this.records = records;
            this.weight = weight;
            this.remaining = new AtomicInteger(records.size());
        }
    }

    /** @throws IllegalArgumentException when Kafka refuses the configuration */
    public DeliveryWriter(DeliveryLogConfig config) {
        this.config = config;
        try {
            this.producer = new KafkaProducer<>(producerProperties(config));
        } catch (KafkaException e) {
            throw new IllegalArgumentException("cannot create the Kafka producer for delivery topic '" + config.topic()
                    + "' at " + config.bootstrapServers() + ": " + Failures.reason(e), e);
        }
        this.handOff = new HandOff<>("sluice-delivery-sender", this::send,
                w -> finishAll(w, Delivery.retryable("delivery log closed before the write was sent")));
    }

    private static Properties producerProperties(DeliveryLogConfig config) {
        Properties props = KafkaClients.durableProducer(config.bootstrapServers(), config.clientId() + "-writer",
                config.clientProperties(), config.lingerMs(), config.deliveryTimeoutMs(), config.requestTimeoutMs(),
                config.maxBlockMs());
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(config.maxPendingBytes()));
        return props;
    }

    /**
     * Sends {@code records} (all of one message); never blocks. {@code weight} is what they hold until Kafka
     * answers. Completes DELIVERED once every record is durable, otherwise with the worst failure.
     */
    public CompletableFuture<Delivery> write(List<ProducerRecord<String, byte[]>> records, long weight) {
        var w = new Write(records, weight);
        if (records.isEmpty()) {
            w.future.complete(Delivery.DELIVERED);
            return w.future;
        }
        if (closed) {
            w.future.complete(Delivery.retryable("delivery log is closed"));
            return w.future;
        }
        long now = pendingBytes.addAndGet(weight);
        if (now > config.maxPendingBytes() && now != weight) { // one write alone always fits
            pendingBytes.addAndGet(-weight);
            refusedFull.increment();
            retryable.increment();
            logFailure("RETRYABLE pending_bytes_full", "over " + config.maxPendingBytes()
                    + " bytes of delivery writes wait for Kafka (delivery.max_pending_bytes)");
            w.future.complete(Delivery.retryable("delivery log full: " + config.maxPendingBytes()
                    + " bytes wait for Kafka"));
            return w.future;
        }
        if (!handOff.submit(w)) {
            pendingBytes.addAndGet(-weight);
            w.future.complete(Delivery.retryable("delivery log is closed"));
        }
        return w.future;
    }

    /** Runs on the sender thread; may block up to max.block.ms inside send. */
    private void send(Write w) {
        // as in the readings log: a write queued behind sends that each waited max.block.ms gives up instead
        long waitedMs = (System.nanoTime() - w.queuedAtNanos) / 1_000_000;
        if (config.maxBlockMs() > 0 && waitedMs > config.maxBlockMs()) {
            finishAll(w, Delivery.retryable("not handed to Kafka within max.block.ms (" + config.maxBlockMs()
                    + " ms): Kafka unreachable or producer buffer full"));
            return;
        }
        for (ProducerRecord<String, byte[]> r : w.records) {
            try {
                producer.send(r, (metadata, exception) -> finishOne(w, exception == null ? null : outcome(exception)));
            } catch (RuntimeException e) {
                finishOne(w, outcome(e));
            }
        }
    }

    private Delivery outcome(Throwable exception) {
        AppendResult r = Failures.classify(exception);
        logFailure(r.status() + " " + Failures.kind(exception), Failures.message(exception));
        return r.status() == AppendResult.Status.REJECTED ? Delivery.rejected(r.reason())
                : Delivery.retryable(r.reason());
    }

    /** One record has its outcome (null: durable). */
    private void finishOne(Write w, Delivery failure) {
        if (failure != null) {
            w.worst.accumulateAndGet(failure, (a, b) -> a.outcome().merge(b.outcome()) == a.outcome() ? a : b);
        }
        if (w.remaining.decrementAndGet() == 0) {
            complete(w, w.worst.get());
        }
    }

    /** Every record of {@code w} that has no outcome yet ends with {@code result}. */
    private void finishAll(Write w, Delivery result) {
        logFailure("RETRYABLE not sent", result.reason());
        w.remaining.set(0);
        complete(w, result);
    }

    private void complete(Write w, Delivery result) {
        if (!w.done.compareAndSet(false, true)) {
            return;
        }
        pendingBytes.addAndGet(-w.weight);
        switch (result.outcome()) {
            case DELIVERED -> durable.increment();
            case RETRYABLE -> retryable.increment();
            case REJECTED -> rejected.increment();
        }
        w.future.complete(result);
    }

    private void logFailure(String kind, String detail) {
        String line = failureLog.record(kind, detail);
        if (line != null) {
            LOG.warn("Delivery write to '{}' failed, {}", config.topic(), line);
        }
    }

    /** The writer's counters since start, and the weight waiting for Kafka now. */
    public record Counts(long durable, long retryable, long rejected, long refusedFull, long pendingBytes) {
    }

    public Counts counts() {
        return new Counts(durable.sum(), retryable.sum(), rejected.sum(), refusedFull.sum(), pendingBytes.get());
    }

    /**
     * Stops taking writes, waits up to {@code timeout} for outstanding ones, then closes the producer; whatever is
     * still outstanding completes retryable. Blocks the caller; idempotent.
     */
    public void close(Duration timeout) {
        if (closed) {
            return;
        }
        closed = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            handOff.stop(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        for (String line : failureLog.drain()) {
            LOG.warn("Delivery write to '{}' failed, {}", config.topic(), line);
        }
    }

    @Override
    public void close() {
        close(Duration.ofMillis(config.requestTimeoutMs()));
    }
}
