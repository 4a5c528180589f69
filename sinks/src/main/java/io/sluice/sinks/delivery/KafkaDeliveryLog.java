package io.sluice.sinks.delivery;

import io.sluice.delivery.DeliveryListener;
import io.sluice.delivery.DeliveryLog;
import io.sluice.delivery.HandedMessage;
import io.sluice.delivery.Message;
import io.sluice.delivery.Route;
import io.sluice.delivery.ScannedMessage;
import io.sluice.ingest.Delivery;
import io.sluice.sinks.delivery.internal.DeliveryHeaders;
import io.sluice.sinks.delivery.internal.DeliveryReader;
import io.sluice.sinks.delivery.internal.DeliveryWriter;
import io.sluice.sinks.delivery.internal.Partitions;
import io.sluice.sinks.delivery.internal.RecoveryScans;
import io.sluice.sinks.internal.KafkaClients;
import io.sluice.sinks.kafka.Failures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The delivery log on Kafka (docs/DELIVERY.md). {@link #appendRoutes} writes one record per target node to the
 * delivery topic (key = node id, partition = {@link Partitions#of} the node id, value = payload, headers = the rest
 * of the message and the shared groups that node serves, docs/RECORDS.md); {@link #retain} writes the compacted retained topic (key = MQTT topic, an empty
 * payload as a tombstone). A node reads only its own delivery partition, from its committed position, and the whole
 * retained topic.
 *
 * <p><b>Threading.</b> {@link #append} and {@link #retain} never block (a sender thread does the sending) and their
 * stages complete once, never exceptionally, normally on the producer's I/O thread. {@link #start} blocks until the
 * retained topic is read (up to {@link DeliveryLogConfig#startTimeoutMs}); the listener is then called on the log's
 * single reader thread. {@link #commit} is cheap and thread-safe. {@link #close} blocks up to about 16 s (Kafka
 * down).
 */
public final class KafkaDeliveryLog implements DeliveryLog, AutoCloseable {
    /** A write's weight beyond its payload and headers: the record objects, callback and queue entry. */
    static final long RECORD_OVERHEAD_BYTES = 128;
    /** How long each half of {@link #close} may take. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(8);

    private final DeliveryLogConfig config;
    private final DeliveryWriter writer;
    private final DeliveryReader reader;
    private final RecoveryScans recovery;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Creates the producer, the consumer and the sender thread; contacts no Kafka until {@link #start}.
     *
     * @throws IllegalArgumentException when Kafka refuses the configuration
     */
    public KafkaDeliveryLog(DeliveryLogConfig config) {
        this.config = config;
        this.writer = new DeliveryWriter(config);
        try {
            this.reader = new DeliveryReader(config, new KafkaConsumer<>(consumerProperties(config)));
        } catch (KafkaException e) {
            writer.close(Duration.ZERO);
            throw new IllegalArgumentException("cannot create the Kafka consumer for delivery topic '" + config.topic()
                    + "' at " + config.bootstrapServers() + ": " + Failures.reason(e), e);
        }
        this.recovery = new RecoveryScans(config, node -> new KafkaConsumer<>(recoveryProperties(config, node)));
    }

    /**
     * A consumer of {@code node}'s group, to read its committed position for a recovery scan; it never commits
     * (auto commit off, partitions assigned) and has a client id of this node's own.
     */
    static Properties recoveryProperties(DeliveryLogConfig config, String node) {
        Properties props = consumerProperties(config);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "sluice.delivery." + node);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, config.clientId() + "-recovery");
        return props;
    }

    static Properties consumerProperties(DeliveryLogConfig config) {
        Properties props = KafkaClients.assignedConsumer(config.bootstrapServers(), config.clientId() + "-reader",
                config.clientProperties(), config.requestTimeoutMs());
        // the group only stores this node's position: partitions are assigned by hand, never subscribed; a stored
        // position older than the retention resumes from the oldest record still there (auto.offset.reset)
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "sluice.delivery." + config.nodeId());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return props;
    }

    @Override
    public CompletionStage<Delivery> appendRoutes(Message message, List<Route> routes) {
        Header[] headers = DeliveryHeaders.encode(message);
        long weight = DeliveryHeaders.weight(message) + message.payload().length + RECORD_OVERHEAD_BYTES;
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(routes.size());
        long total = 0;
        Set<String> seen = new HashSet<>();
        for (Route route : routes) {
            if (!seen.add(route.node())) {
                continue; // one record per node
            }
            List<Header> h = List.of(headers);
            if (route.sharedGroups() != null) {
                h = new ArrayList<>(h);
                DeliveryHeaders.addSharedGroups(h, route.sharedGroups());
            }
            records.add(new ProducerRecord<>(config.topic(), Partitions.of(route.node(), config.partitions()), null,
                    route.node(), message.payload(), h));
            total += weight + DeliveryHeaders.sharedGroupsWeight(route.sharedGroups());
        }
        return writer.write(records, total);
    }

    /**
     * One write, so the records reach {@code node}'s partition in order: each message with {@link
     * DeliveryHeaders#FOR} (and {@link DeliveryHeaders#INFLIGHT} when it was in flight), then the marker (no value,
     * {@link DeliveryHeaders#HANDOVER_DONE}).
     */
    @Override
    public CompletionStage<Delivery> handOver(String node, String clientId, List<HandedMessage> messages) {
        int partition = Partitions.of(node, config.partitions());
        byte[] forValue = clientId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(messages.size() + 1);
        long total = RECORD_OVERHEAD_BYTES;
        for (HandedMessage hm : messages) {
            Message m = hm.message();
            List<Header> h = new ArrayList<>(List.of(DeliveryHeaders.encode(m)));
            h.add(new RecordHeader(DeliveryHeaders.FOR, forValue));
            if (hm.inflight()) {
                h.add(new RecordHeader(DeliveryHeaders.INFLIGHT, new byte[] {'1'}));
            }
            records.add(new ProducerRecord<>(config.topic(), partition, null, node, m.payload(), h));
            total += DeliveryHeaders.weight(m) + m.payload().length + RECORD_OVERHEAD_BYTES + forValue.length;
        }
        records.add(new ProducerRecord<>(config.topic(), partition, null, node, null, List.of(
                new RecordHeader(DeliveryHeaders.FOR, forValue),
                new RecordHeader(DeliveryHeaders.HANDOVER_DONE, new byte[] {'1'}))));
        return writer.write(records, total);
    }

    @Override
    public CompletionStage<Delivery> forward(String node, String clientId, Message message) {
        List<Header> h = new ArrayList<>(List.of(DeliveryHeaders.encode(message)));
        byte[] forValue = clientId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        h.add(new RecordHeader(DeliveryHeaders.FOR, forValue));
        var record = new ProducerRecord<>(config.topic(), Partitions.of(node, config.partitions()), null, node,
                message.payload(), h);
        return writer.write(List.of(record), DeliveryHeaders.weight(message) + message.payload().length
                + RECORD_OVERHEAD_BYTES + forValue.length);
    }

    /** On a thread of its own, one scan at a time ({@link RecoveryScans}). */
    @Override
    public CompletionStage<io.sluice.delivery.ScanResult> scan(String node, long from,
                                                             java.util.function.Consumer<ScannedMessage> each) {
        return recovery.scan(node, from, each);
    }

    @Override
    public CompletionStage<Boolean> stoppedGracefully(String node) {
        return recovery.stopped(node);
    }

    @Override
    public CompletionStage<Delivery> retain(Message message) {
        if (message.origin() != null) {
            message = message.withOrigin(null); // a retained record names no origin: receipts are for delivery
        }
        byte[] value = message.payload().length == 0 ? null : message.payload();
        var record = new ProducerRecord<>(config.retainedTopic(), null, null, message.topic(), value,
                List.of(DeliveryHeaders.encode(message)));
        long weight = DeliveryHeaders.weight(message) + message.payload().length + RECORD_OVERHEAD_BYTES;
        return writer.write(List.of(record), weight);
    }

    /** @throws DeliveryLogException when a topic is missing or wrong, or the retained topic is not read in time */
    @Override
    public void start(DeliveryListener listener) {
        reader.start(listener);
    }

    @Override
    public void commit(long position) {
        reader.commit(position);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // bounded apart from the request timeout, so a Kafka outage does not stretch a shutdown much: the reader
        // stores its position (or the next start reads a little more); what is not acknowledged by then completes
        // retryable (those publishers had no acknowledgement and send again)
        recovery.close();
        reader.close(CLOSE_TIMEOUT);
        writer.close(CLOSE_TIMEOUT);
    }

    public DeliveryLogConfig config() {
        return config;
    }

    /** What {@code sluice status} and /metrics show of the delivery log. */
    public DeliveryLogStats stats() {
        DeliveryWriter.Counts w = writer.counts();
        DeliveryReader.Counts r = reader.counts();
        return new DeliveryLogStats(r.partition(), r.position(), r.stored(), r.lag(), r.handed(), r.skipped(),
                r.undecodable(), r.listenerFailures(), reader.retained().count(), reader.retained().bytes(), reader.retained().refused(), w.durable(),
                w.retryable(), w.rejected(), w.refusedFull(), w.pendingBytes());
    }
}
