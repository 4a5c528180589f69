package io.sluice.sinks.downlink;

import io.sluice.delivery.Publisher;
import io.sluice.sinks.downlink.internal.DownlinkReader;
import io.sluice.sinks.internal.KafkaClients;
import io.sluice.sinks.kafka.Failures;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;

/**
 * The Kafka downlink (docs/DELIVERY.md, "Downlink"): backends write records to the downlink topic
 * (docs/RECORDS.md, "Downlink records") and this node publishes each to its matching MQTT subscribers through the
 * {@link Publisher}, as if a client had published it here. A downlink offset is committed only once every record
 * before it is durable in the delivery log (or counted undecodable or refused), so no crash loses a record: at least
 * once, in offset order per partition.
 *
 * <p>The consumer: group {@link DownlinkConfig#group} (nodes share the partitions), subscribed to the topic,
 * {@code enable.auto.commit=false}, {@code isolation.level=read_committed}, {@code auto.offset.reset=earliest}: a
 * group that never committed starts at the beginning, so a record a backend wrote before the first start is not
 * lost (a new group reads what the topic retains once).
 *
 * <p><b>Threading.</b> {@link #start} and {@link #close} from the daemon's thread; the consumer runs on one thread of
 * its own and never blocks an event loop; {@link #stats} from any thread. {@link #close} blocks up to about 10 s.
 */
public final class KafkaDownlink implements AutoCloseable {
    /**
     * Records one poll hands over at most (the consumer's max.poll.records): 500, and at most a quarter of the pending
     * bound, so reading goes on while the records read before are being made durable.
     */
    static final int MAX_POLL_RECORDS = 500;
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final DownlinkConfig config;
    private final DownlinkReader reader;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Creates the consumer; contacts no Kafka until {@link #start}.
     *
     * @throws IllegalArgumentException when Kafka refuses the configuration
     */
    public KafkaDownlink(DownlinkConfig config, Publisher publisher) {
        this.config = config;
        int maxPoll = Math.max(1, Math.min(MAX_POLL_RECORDS, config.maxPendingRecords() / 4));
        try {
            this.reader = new DownlinkReader(config, new KafkaConsumer<>(consumerProperties(config, maxPoll)),
                    publisher, maxPoll);
        } catch (KafkaException e) {
            throw new IllegalArgumentException("cannot create the Kafka consumer for downlink topic '" + config.topic()
                    + "' at " + config.bootstrapServers() + ": " + Failures.reason(e), e);
        }
    }

    static Properties consumerProperties(DownlinkConfig config, int maxPollRecords) {
        // no auto-commit, earliest for a new group, no topic auto-creation (KafkaClients.assignedConsumer), then
        // the group the nodes share the partitions through
        Properties props = KafkaClients.assignedConsumer(config.bootstrapServers(), config.clientId(),
                config.clientProperties(), config.requestTimeoutMs());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.group());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(maxPollRecords));
        return props;
    }

    /** Starts reading (on the downlink's own thread). Call after the MQTT side's delivery started. */
    public void start() {
        reader.start();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            reader.close(CLOSE_TIMEOUT);
        }
    }

    public DownlinkConfig config() {
        return config;
    }

    public DownlinkStats stats() {
        return reader.stats();
    }
}
