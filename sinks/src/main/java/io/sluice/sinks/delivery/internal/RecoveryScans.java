package io.sluice.sinks.delivery.internal;

import io.sluice.delivery.Message;
import io.sluice.delivery.ScanResult;
import io.sluice.delivery.ScannedMessage;
import io.sluice.ingest.Delivery;
import io.sluice.sinks.delivery.DeliveryLogConfig;
import io.sluice.sinks.kafka.Failures;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
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
 * Reads another node's delivery partition for a recovery (docs/DELIVERY.md, "Node death"): one scan at a time, on a
 * thread of its own, each with a consumer of its own that is assigned that one partition, reads the committed
 * position of that node's group ({@code sluice.delivery.<node>}) (or a position the caller names: where an earlier
 * scan ended) and never commits to it, and reads from there to the partition's end as it was when the scan started. Each record keyed to that node that holds a message is
 * decoded and handed to the caller's callback; markers, other nodes' records and records that do not decode are
 * passed over (the latter counted in the log's failure log). A scan ends within {@link #SCAN_TIMEOUT} (then it
 * completes retryable).
 *
 * <p>Threading: {@link #scan} is thread-safe and never blocks; scans run one after another on the scan thread, where
 * their callbacks are called and their stages complete. {@link #close} stops a running scan.
 */
public final class RecoveryScans {
    private static final Logger LOG = LoggerFactory.getLogger(RecoveryScans.class);
    /** How long one scan may take, Kafka's answers included. */
    static final Duration SCAN_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(200);

    private final DeliveryLogConfig config;
    /** A consumer in the group of the node named (to read its committed position), for one scan. */
    private final Function<String, Consumer<String, byte[]>> consumers;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sluice-delivery-recovery");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<Consumer<String, byte[]>> running = new AtomicReference<>();
    private volatile boolean closed;

    public RecoveryScans(DeliveryLogConfig config, Function<String, Consumer<String, byte[]>> consumers) {
        this.config = config;
        this.consumers = consumers;
    }

    /** Queues a scan of {@code node}'s partition; see {@link io.sluice.delivery.DeliveryLog#scan}. */
    public CompletionStage<ScanResult> scan(String node, long from,
                                            java.util.function.Consumer<ScannedMessage> each) {
        CompletableFuture<ScanResult> done = new CompletableFuture<>();
        try {
            thread.execute(() -> done.complete(run(node, from, each)));
        } catch (RejectedExecutionException e) {
            done.complete(ScanResult.failed(Delivery.retryable("the delivery log is closed")));
        }
        return done;
    }

    /**
     * True when {@code node} stored its last position as it stopped gracefully ({@link DeliveryReader#STOPPED}) and
     * has not started since; false otherwise, and when Kafka does not say. On the scan thread, after any scan queued
     * before it.
     */
    public CompletionStage<Boolean> stopped(String node) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        try {
            thread.execute(() -> done.complete(readStopped(node)));
        } catch (RejectedExecutionException e) {
            done.complete(false);
        }
        return done;
    }

    private boolean readStopped(String node) {
        if (closed) {
            return false;
        }
        TopicPartition tp = new TopicPartition(config.topic(), Partitions.of(node, config.partitions()));
        try (Consumer<String, byte[]> consumer = consumers.apply(node)) {
            running.set(consumer);
            OffsetAndMetadata committed = consumer.committed(Set.of(tp),
                    Duration.ofMillis(config.requestTimeoutMs())).get(tp);
            return committed != null && DeliveryReader.STOPPED.equals(committed.metadata());
        } catch (KafkaException | IllegalStateException e) {
            LOG.debug("Whether node '{}' stopped is not known: {}", node, e.toString());
            return false;
        } finally {
            running.set(null);
        }
    }

    private ScanResult run(String node, long fromPosition, java.util.function.Consumer<ScannedMessage> each) {
        if (closed) {
            return ScanResult.failed(Delivery.retryable("the delivery log is closed"));
        }
        TopicPartition tp = new TopicPartition(config.topic(), Partitions.of(node, config.partitions()));
        long deadline = System.nanoTime() + SCAN_TIMEOUT.toNanos();
        long read = 0;
        long handed = 0;
        try (Consumer<String, byte[]> consumer = consumers.apply(node)) {
            running.set(consumer);
            if (closed) {
                return ScanResult.failed(Delivery.retryable("the delivery log is closed"));
            }
            consumer.assign(List.of(tp));
            long from = fromPosition;
            if (from < 0) {
                OffsetAndMetadata committed = consumer.committed(Set.of(tp), DeliveryReader.remaining(deadline))
                        .get(tp);
                if (committed == null) {
                    return ScanResult.failed(Delivery.rejected("node '" + node
                            + "' has no committed position in partition " + tp.partition()));
                }
                from = committed.offset();
            }
            long end = consumer.endOffsets(List.of(tp), DeliveryReader.remaining(deadline)).get(tp);
            consumer.seek(tp, from);
            while (consumer.position(tp, DeliveryReader.remaining(deadline)) < end) {
                if (System.nanoTime() - deadline > 0) {
                    return ScanResult.failed(Delivery.retryable("not read to the end within "
                            + SCAN_TIMEOUT.toSeconds() + " s"));
                }
                for (ConsumerRecord<String, byte[]> r : poll(consumer, tp)) {
                    if (r.offset() >= end) {
                        break; // written after the scan began: the node it is for reads it
                    }
                    read++;
                    ScannedMessage m = decode(node, r);
                    if (m != null) {
                        handed++;
                        each.accept(m);
                    }
                }
            }
            LOG.info("Recovery scan of node '{}': partition {} of '{}' read from {} {} to {}"
                    + " ({} records, {} messages of that node)", node, tp.partition(), config.topic(),
                    fromPosition < 0 ? "its committed position" : "where the last scan ended,", from, end,
                    read, handed);
            return new ScanResult(Delivery.DELIVERED, Math.max(end, from));
        } catch (WakeupException e) {
            return ScanResult.failed(Delivery.retryable("the delivery log is closing"));
        } catch (KafkaException | IllegalStateException e) {
            return ScanResult.failed(Delivery.retryable(Failures.reason(e)));
        } catch (RuntimeException e) {
            LOG.warn("Recovery scan of node '{}' failed", node, e);
            return ScanResult.failed(Delivery.retryable(e.toString()));
        } finally {
            running.set(null);
        }
    }

    private static Iterable<ConsumerRecord<String, byte[]>> poll(Consumer<String, byte[]> consumer,
                                                                 TopicPartition tp) {
        try {
            return consumer.poll(POLL);
        } catch (RecordDeserializationException e) {
            consumer.seek(tp, e.offset() + 1);
            return List.of();
        }
    }

    /** The message of a record as {@code node} would read it; null for a marker, another node's, or undecodable. */
    private static ScannedMessage decode(String node, ConsumerRecord<String, byte[]> r) {
        if (!node.equals(r.key()) || r.value() == null) {
            return null;
        }
        try {
            String forClient = DeliveryHeaders.lastText(r.headers(), DeliveryHeaders.FOR);
            Message m = DeliveryHeaders.decode(r.headers(), r.value(), null);
            return new ScannedMessage(m, forClient, DeliveryHeaders.flag(r.headers(), DeliveryHeaders.INFLIGHT));
        } catch (RuntimeException e) {
            LOG.debug("Recovery scan of node '{}': record {}@{} passed over: {}", node, r.partition(), r.offset(),
                    e.toString());
            return null;
        }
    }

    /** Stops a running scan (it completes retryable) and the thread; does not wait. */
    public void close() {
        closed = true;
        Consumer<String, byte[]> c = running.get();
        if (c != null) {
            c.wakeup();
        }
        for (Runnable queued : thread.shutdownNow()) {
            queued.run(); // completes its stage: the log is closed
        }
    }
}
