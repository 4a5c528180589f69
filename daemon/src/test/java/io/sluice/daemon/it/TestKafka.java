package io.sluice.daemon.it;

import io.sluice.daemon.config.ConfigLoader;
import io.sluice.daemon.config.SluiceConfig;
import io.sluice.stack.KafkaCluster;
import io.sluice.stack.KafkaRecords;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.AlterClientQuotasOptions;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The real Kafka the daemon tests run against (from sluice-stack), plus what those tests need of it: configs with
 * topics unique to each test, reading a topic back, and broker-side producer quotas to make Kafka the bottleneck.
 */
final class TestKafka implements AutoCloseable {
    private static TestKafka shared;
    private final KafkaCluster cluster;

    private TestKafka(KafkaCluster cluster) {
        this.cluster = cluster;
    }

    /** One single-broker cluster shared by every test class in this JVM; never stopped by a test. */
    static synchronized TestKafka shared() {
        if (shared == null) {
            shared = new TestKafka(KafkaCluster.shared());
        }
        return shared;
    }

    /** A single-broker cluster of the caller's own, which it may stop and start. */
    static TestKafka ownSingleBroker() {
        return new TestKafka(KafkaCluster.start(1));
    }

    /**
     * A cluster of {@code brokers} brokers of the caller's own, for tests of failover; its daemon configs still ask
     * for replication factor 1 unless the caller overrides the kafka.topic_* keys.
     */
    static TestKafka ownCluster(int brokers) {
        return new TestKafka(KafkaCluster.start(brokers));
    }

    org.apache.kafka.clients.admin.Admin admin() {
        return cluster.admin();
    }

    String bootstrap() {
        return cluster.bootstrapServers();
    }

    void stopBroker() {
        cluster.stopBroker(0);
    }

    void startBroker() {
        cluster.startBroker(0);
    }

    /** A daemon config on a free port with readings and sessions topics unique to this call. */
    SluiceConfig daemonConfig(String name) {
        return daemonConfig(name, Map.of());
    }

    /** As {@link #daemonConfig(String)}, with {@code extra} settings on top. */
    SluiceConfig daemonConfig(String name, Map<String, String> extra) {
        String suffix = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> settings = new java.util.HashMap<>(adminSettings());
        settings.putAll(Map.of(
                "node_id", "it-node",
                "mqtt.host", "127.0.0.1",
                "mqtt.port", "0",
                "kafka.bootstrap_servers", bootstrap(),
                "kafka.readings_topic", "readings-" + suffix,
                "kafka.sessions_topic", "sessions-" + suffix,
                "kafka.topic_partitions", "3",
                "kafka.topic_replication_factor", "1",
                "kafka.topic_min_insync_replicas", "1"));
        // every test its own delivery topics: no retained message or position of another test's
        settings.put("delivery.topic", "delivery-" + suffix);
        settings.put("delivery.retained_topic", "retained-" + suffix);
        settings.put("delivery.partitions", "2");
        // and its own downlink topic and group: no record or committed offset of another test's
        settings.put("downlink.topic", "downlink-" + suffix);
        settings.put("downlink.group", "downlink-" + suffix);
        settings.put("downlink.partitions", "2");
        settings.putAll(extra);
        return ConfigLoader.fromMap(settings);
    }

    /** Admin endpoint on a free port with a token file of its own, so test daemons never collide or touch /var/lib. */
    static Map<String, String> adminSettings() {
        return Map.of("admin.port", "0", "admin.token_file", tokenFile());
    }

    /**
     * The topics (readings, sessions, delivery, retained, downlink and its group) several in-process nodes share to
     * form one fleet, named {@code <kind>-<suffix>} so no other test's records are seen.
     */
    static Map<String, String> fleetTopics(String suffix) {
        Map<String, String> shared = new java.util.HashMap<>();
        shared.put("kafka.readings_topic", "readings-" + suffix);
        shared.put("kafka.sessions_topic", "sessions-" + suffix);
        shared.put("delivery.topic", "delivery-" + suffix);
        shared.put("delivery.retained_topic", "retained-" + suffix);
        shared.put("downlink.topic", "downlink-" + suffix);
        shared.put("downlink.group", "downlink-" + suffix);
        return shared;
    }

    static String tokenFile() {
        return Path.of(System.getProperty("java.io.tmpdir"), "sluice-it-" + UUID.randomUUID() + ".token").toString();
    }

    /** YAML for a child-process daemon; the kafka section comes last so callers may append kafka keys. */
    String daemonYaml(String name, int port, String... extraSections) {
        String suffix = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        StringBuilder sb = new StringBuilder();
        sb.append("node_id: it-node\n");
        sb.append("mqtt:\n  host: 127.0.0.1\n  port: ").append(port).append('\n');
        sb.append("admin:\n  port: 0\n  token_file: ").append(tokenFile()).append('\n');
        for (String s : extraSections) {
            sb.append(s).append('\n');
        }
        if (java.util.Arrays.stream(extraSections).noneMatch(s -> s.startsWith("downlink:"))) {
            // every test its own downlink topic and group: no record or committed offset of another test's
            sb.append("downlink:\n  topic: downlink-").append(suffix).append("\n  group: downlink-").append(suffix)
                    .append("\n  partitions: 2\n");
        }
        sb.append("kafka:\n  bootstrap_servers: ").append(bootstrap()).append('\n');
        sb.append("  readings_topic: readings-").append(suffix).append('\n');
        sb.append("  sessions_topic: sessions-").append(suffix).append('\n');
        sb.append("  topic_partitions: 3\n  topic_replication_factor: 1\n  topic_min_insync_replicas: 1\n");
        if (java.util.Arrays.stream(extraSections).noneMatch(s -> s.startsWith("delivery:"))) {
            // every test its own delivery topics: no retained message or position of another test's
            sb.append("delivery:\n  topic: delivery-").append(suffix).append("\n  retained_topic: retained-")
                    .append(suffix).append("\n  partitions: 2\n");
        }
        return sb.toString();
    }

    String readingsTopicOf(String yaml) {
        Matcher m = Pattern.compile("readings_topic: (\\S+)").matcher(yaml);
        if (!m.find()) {
            throw new IllegalArgumentException("no readings_topic in " + yaml);
        }
        return m.group(1);
    }

    List<ConsumerRecord<String, byte[]>> readAll(String topic) {
        return KafkaRecords.readAll(bootstrap(), topic, Duration.ofSeconds(30));
    }

    /** As {@link #readAll}, once the transactions open on the topic now have their markers (QoS 2 writes). */
    List<ConsumerRecord<String, byte[]>> readAllSettled(String topic) {
        return KafkaRecords.readAllSettled(bootstrap(), topic, Duration.ofSeconds(30));
    }

    /** Sets (or with 0 removes) a broker-enforced produce quota in bytes/s for a client id. */
    void throttleProducer(String clientId, long bytesPerSecond) throws Exception {
        ClientQuotaEntity entity = new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, clientId));
        ClientQuotaAlteration.Op op = new ClientQuotaAlteration.Op("producer_byte_rate",
                bytesPerSecond > 0 ? (double) bytesPerSecond : null);
        cluster.admin().alterClientQuotas(List.of(new ClientQuotaAlteration(entity, List.of(op))),
                new AlterClientQuotasOptions()).all().get(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        if (this != shared) {
            cluster.close();
        }
    }
}
