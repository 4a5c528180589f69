package io.sluice.sinks.downlink;

import io.sluice.delivery.Receipt;
import io.sluice.delivery.Receipts;
import io.sluice.sinks.downlink.internal.ReceiptJson;
import io.sluice.sinks.internal.FailureLog;
import io.sluice.sinks.internal.HandOff;
import io.sluice.sinks.internal.KafkaClients;
import io.sluice.sinks.kafka.Failures;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The downlink receipts topic (docs/DELIVERY.md, "Downlink receipts"): one record per copy of a downlink message and
 * session, keyed by the session's client id, its value {@link ReceiptJson}. An idempotent {@code acks=all} producer
 * fed through a sender thread ({@link HandOff}), since {@code send} may block for metadata; a send that fails is
 * tried again after a backoff (100 ms doubling to 5 s) for as long as the writer runs, never dropped, so the stage
 * {@link #write} returns completes only once the receipt is durable (or exceptionally at {@link #close}).
 *
 * <p><b>Memory.</b> Receipts taken and not yet acknowledged weigh at most {@link ReceiptsConfig#maxPendingBytes}
 * together (one alone always fits); beyond it {@link #write} takes nothing and returns null (counted {@code held}):
 * the caller leaves that copy's delivery position unfinished rather than drop its receipt.
 *
 * <p><b>Threading.</b> {@link #write} is thread-safe and never blocks; stages complete on the producer's I/O thread.
 * {@link #close} blocks up to its timeout.
 */
public final class KafkaReceipts implements Receipts, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaReceipts.class);
    /** Heap of a pending receipt beyond its value and key: the objects, the producer's record and batch overhead. */
    static final int OVERHEAD_BYTES = 256;
    private static final long FIRST_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 5_000;

    private final ReceiptsConfig config;
    private final Producer<String, byte[]> producer;
    private final HandOff<Pending> handOff;
    private final ScheduledExecutorService retries;
    private final FailureLog failureLog = new FailureLog();
    private final Set<Pending> outstanding = ConcurrentHashMap.newKeySet();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final LongAdder written = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder held = new LongAdder();
    private volatile boolean closed;

    /** One receipt on its way to Kafka. */
    private static final class Pending {
        final ProducerRecord<String, byte[]> record;
        final long weight;
        final CompletableFuture<Void> future = new CompletableFuture<>();
        final AtomicBoolean done = new AtomicBoolean();
        int attempt;

        Pending(ProducerRecord<String, byte[]> record, long weight) {
            this.record = record;
            this.weight = weight;
        }
    }

    /** @throws IllegalArgumentException when Kafka refuses the configuration */
    public KafkaReceipts(ReceiptsConfig config) {
        this(config, newProducer(config));
    }

    /** With a producer of the caller's (tests). */
    KafkaReceipts(ReceiptsConfig config, Producer<String, byte[]> producer) {
        this.config = config;
        this.producer = producer;
        this.handOff = new HandOff<>("sluice-receipts-sender", this::send,
                p -> abandon(p, "receipts writer closed before the receipt was sent"));
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-receipts-retry");
            t.setDaemon(true);
            return t;
        });
    }

    private static Producer<String, byte[]> newProducer(ReceiptsConfig config) {
        Properties props = KafkaClients.durableProducer(config.bootstrapServers(), config.clientId(),
                config.clientProperties(), config.lingerMs(), config.deliveryTimeoutMs(), config.requestTimeoutMs(),
                config.maxBlockMs());
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(Math.max(config.maxPendingBytes(), 1L << 20)));
        try {
            return new KafkaProducer<>(props);
        } catch (KafkaException e) {
            throw new IllegalArgumentException("cannot create the Kafka producer for receipts topic '" + config.topic()
                    + "' at " + config.bootstrapServers() + ": " + Failures.reason(e), e);
        }
    }

    @Override
    public CompletionStage<Void> write(Receipt receipt) {
        if (closed) {
            held.increment();
            return null;
        }
        byte[] value = ReceiptJson.encode(receipt);
        long weight = value.length + 3L * receipt.clientId().length() + OVERHEAD_BYTES;
        long now = pendingBytes.addAndGet(weight);
        if (now > config.maxPendingBytes() && now != weight) { // one receipt alone always fits
            pendingBytes.addAndGet(-weight);
            held.increment();
            logFailure("held", "over " + config.maxPendingBytes() + " bytes of receipts wait for Kafka"
                    + " (downlink.receipts_max_pending_bytes): the receipt is written when the message is delivered"
                    + " again after the next start");
            return null;
        }
        Pending p = new Pending(new ProducerRecord<>(config.topic(), receipt.clientId(), value), weight);
        outstanding.add(p);
        if (!handOff.submit(p)) {
            abandon(p, "receipts writer closed");
        }
        return p.future;
    }

    /** Runs on the sender thread; may block up to max.block.ms inside send. */
    private void send(Pending p) {
        try {
            producer.send(p.record, (metadata, exception) -> {
                if (exception == null) {
                    succeeded(p);
                } else {
                    failedOnce(p, exception);
                }
            });
        } catch (RuntimeException e) {
            failedOnce(p, e);
        }
    }

    private void succeeded(Pending p) {
        if (p.done.compareAndSet(false, true)) {
            outstanding.remove(p);
            pendingBytes.addAndGet(-p.weight);
            written.increment();
            p.future.complete(null);
        }
    }

    /** A send failed: counted, logged (at most a line per kind every 10 s) and tried again after a backoff. */
    private void failedOnce(Pending p, Throwable e) {
        failed.increment();
        logFailure(Failures.kind(e), Failures.message(e) + " (tried again)");
        if (closed) {
            abandon(p, "receipts writer closed after a failed send");
            return;
        }
        long backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << Math.min(p.attempt++, 6));
        try {
            retries.schedule(() -> {
                if (!handOff.submit(p)) {
                    abandon(p, "receipts writer closed");
                }
            }, backoff, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            abandon(p, "receipts writer closed");
        }
    }

    /** {@code p} will not be written by this run: its stage completes exceptionally (its position stays open). */
    private void abandon(Pending p, String why) {
        if (p.done.compareAndSet(false, true)) {
            outstanding.remove(p);
            pendingBytes.addAndGet(-p.weight);
            p.future.completeExceptionally(new IllegalStateException(why));
        }
    }

    private void logFailure(String kind, String detail) {
        String line = failureLog.record(kind, detail);
        if (line != null) {
            LOG.warn("Receipt write to '{}' failed, {}", config.topic(), line);
        }
    }

    @Override
    public void awaitWritten(long timeoutMs) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (!outstanding.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10); // shutdown path only
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    public ReceiptsConfig config() {
        return config;
    }

    public ReceiptStats stats() {
        return new ReceiptStats(written.sum(), failed.sum(), held.sum(), outstanding.size(), pendingBytes.get());
    }

    /**
     * Stops taking receipts, waits up to {@code timeout} for those taken to be acknowledged, then closes the
     * producer; what is still not written completes exceptionally (its position stays unfinished: delivered again
     * after the next start). Blocking; idempotent.
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
        retries.shutdownNow();
        producer.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        for (Pending p : outstanding) {
            abandon(p, "receipts writer closed before Kafka acknowledged the receipt");
        }
        for (String line : failureLog.drain()) {
            LOG.warn("Receipt write to '{}' failed, {}", config.topic(), line);
        }
    }

    @Override
    public void close() {
        close(Duration.ofMillis(config.requestTimeoutMs()));
    }
}
