package io.sluice.daemon.internal;

import io.sluice.daemon.SluiceDaemon.StartupException;
import io.sluice.daemon.config.SluiceConfig;
import io.sluice.sinks.ClusterHealth;
import io.sluice.sinks.LogConfig;
import io.sluice.sinks.SessionLogConfig;
import io.sluice.sinks.TopicCheck;
import io.sluice.sinks.kafka.KafkaLog;
import io.sluice.sinks.kafka.KafkaSessionLog;
import io.sluice.sinks.kafka.KafkaTransactionalLog;
import io.sluice.sinks.kafka.KafkaTopics;
import io.sluice.sinks.delivery.DeliveryLogConfig;
import io.sluice.sinks.delivery.KafkaDeliveryLog;
import io.sluice.sinks.downlink.DownlinkConfig;
import io.sluice.sinks.downlink.KafkaDownlink;
import io.sluice.sinks.downlink.KafkaReceipts;
import io.sluice.sinks.downlink.ReceiptsConfig;
import io.sluice.ingest.InflightBudget;
import io.sluice.mqtt.MqttConfig;
import io.sluice.mqtt.SessionLimits;
import io.sluice.udp.LineDatagramConfig;
import io.sluice.udp.MqttSnConfig;
import io.sluice.udp.MqttSnLimits;
import io.sluice.sinks.FanoutConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns the validated config into the components' own config records and builds them. */
public final class Wiring {
    private static final Logger LOG = LoggerFactory.getLogger(Wiring.class);

    private Wiring() {
    }

    public static KafkaTopics topics(SluiceConfig c) {
        return new KafkaTopics(c.kafka().bootstrapServers(), c.kafka().clientProperties(),
                Duration.ofMillis(c.kafka().requestTimeoutMs()));
    }

    /**
     * Blocks until Kafka answers, logging while it waits; throws when {@code timeout} passes, and at once when Kafka
     * refuses this node's credentials or TLS handshake (waiting cannot fix kafka.client_properties).
     */
    public static void awaitKafka(KafkaTopics topics, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextLog = 0;
        while (true) {
            ClusterHealth health = topics.health(Duration.ofSeconds(5));
            if (health.healthy()) {
                LOG.info("Kafka cluster {} answers with {} broker(s)", health.clusterId(), health.brokerCount());
                return;
            }
            if (health.authenticationFailed()) {
                throw new StartupException(health.error() + "; check kafka.client_properties (security.protocol,"
                        + " sasl.mechanism, sasl.jaas.config, ssl.truststore.*) against the broker's listener", null);
            }
            if (System.nanoTime() > deadline) {
                throw new StartupException("Kafka did not answer within " + timeout.toMillis()
                        + " ms (kafka.startup_timeout_ms): " + health.error(), null);
            }
            if (System.nanoTime() > nextLog) {
                LOG.warn("Waiting for Kafka: {}", health.error());
                nextLog = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            }
        }
    }

    public static void ensureTopics(KafkaTopics topics, SluiceConfig c) {
        SluiceConfig.Kafka k = c.kafka();
        ensureTopics(topics, c, k.topicPartitions(), k.topicReplicationFactor(), k.topicMinInsyncReplicas(), null);
    }

    /** Creates absent topics and reports differences; returns true when both topics match what was asked. */
    public static boolean ensureTopics(KafkaTopics topics, SluiceConfig c, int partitions, int rf, int minIsr,
                                       PrintStream out) {
        SluiceConfig.Kafka k = c.kafka();
        TopicCheck readings = topics.ensureReadingsTopic(k.readingsTopic(), partitions, rf, minIsr);
        TopicCheck sessions = topics.ensureSessionsTopic(k.sessionsTopic(), Math.min(partitions, 50), rf, minIsr);
        List<TopicCheck> checks = new ArrayList<>(List.of(readings, sessions));
        if (c.fanout().enabled()) {
            checks.add(ensureDeadLetterTopic(topics, c, partitions, rf, minIsr));
        }
        if (c.delivery().enabled()) {
            checks.addAll(ensureDeliveryTopics(topics, c, rf, minIsr));
        }
        if (c.downlink().enabled()) {
            checks.add(ensureDownlinkTopic(topics, c, rf, minIsr));
        }
        if (c.downlink().receipts()) {
            checks.add(topics.ensureDeliveryTopic(c.downlink().receiptsTopic(), c.downlink().receiptsPartitions(), rf,
                    minIsr));
        }
        for (TopicCheck check : checks) {
            if (out != null) {
                out.println(check.describe());
            }
            if (!check.matches()) {
                LOG.warn("{} (Sluice never alters an existing topic)", check.describe());
            }
        }
        return checks.stream().allMatch(TopicCheck::matches);
    }

    /**
     * The delivery topic with exactly delivery.partitions partitions (every node computes its partition from that
     * number, so {@link KafkaDeliveryLog#start} refuses another count) and the compacted retained topic.
     *
     * @throws StartupException when the retained topic exists but is not compacted: its retained messages would
     *                          expire with the retention instead of lasting until replaced
     */
    public static List<TopicCheck> ensureDeliveryTopics(KafkaTopics topics, SluiceConfig c, int rf, int minIsr) {
        SluiceConfig.Delivery d = c.delivery();
        TopicCheck delivery = topics.ensureDeliveryTopic(d.topic(), d.partitions(), rf, minIsr);
        TopicCheck retained = topics.ensureRetainedTopic(d.retainedTopic(), d.partitions(), rf, minIsr);
        for (TopicCheck.Difference diff : retained.differences()) {
            if (diff.property().equals("cleanup.policy")) {
                throw new StartupException("delivery.retained_topic: " + retained.describe() + "; retained messages"
                        + " need a compacted topic (set cleanup.policy=compact on it, or name another topic)", null);
            }
        }
        return List.of(delivery, retained);
    }

    /** The downlink topic: a plain (deleting) topic of downlink.partitions partitions, like the delivery topic. */
    public static TopicCheck ensureDownlinkTopic(KafkaTopics topics, SluiceConfig c, int rf, int minIsr) {
        return topics.ensureDeliveryTopic(c.downlink().topic(), c.downlink().partitions(), rf, minIsr);
    }

    /** The downlink receipts writer of this node (docs/DELIVERY.md, "Downlink receipts"). */
    public static KafkaReceipts receipts(SluiceConfig c) {
        SluiceConfig.Kafka k = c.kafka();
        return new KafkaReceipts(new ReceiptsConfig(k.bootstrapServers(), c.downlink().receiptsTopic(),
                c.downlink().receiptsMaxPendingBytes(), c.delivery().lingerMs(), k.deliveryTimeoutMs(),
                k.requestTimeoutMs(), k.maxBlockMs(), "sluice-receipts-" + c.nodeId(), producerProperties(c)));
    }

    /** The downlink of this node, publishing through {@code publisher} (the MQTT side's publish path). */
    public static KafkaDownlink downlink(SluiceConfig c, io.sluice.delivery.Publisher publisher) {
        SluiceConfig.Kafka k = c.kafka();
        SluiceConfig.Downlink d = c.downlink();
        return new KafkaDownlink(new DownlinkConfig(k.bootstrapServers(), d.topic(), d.group(), d.maxPendingRecords(),
                d.maxPendingBytes(), d.commitIntervalMs(), k.requestTimeoutMs(), "sluice-downlink-" + c.nodeId(), k.clientProperties()),
                publisher);
    }

    /** The delivery log of this node, from the delivery section and the Kafka connection's settings. */
    public static KafkaDeliveryLog deliveryLog(SluiceConfig c) {
        SluiceConfig.Kafka k = c.kafka();
        SluiceConfig.Delivery d = c.delivery();
        return new KafkaDeliveryLog(new DeliveryLogConfig(k.bootstrapServers(), c.nodeId(), d.topic(),
                d.retainedTopic(), d.partitions(), d.commitIntervalMs(), d.maxRetainedMessages(),
                d.maxRetainedBytes(), d.maxPendingBytes(), d.lingerMs(), k.deliveryTimeoutMs(), k.requestTimeoutMs(),
                k.maxBlockMs(), k.startupTimeoutMs(), "sluice-delivery-" + c.nodeId(), deliveryProperties(c)));
    }

    /** The readings producer's properties with the delivery section's compression. */
    private static Map<String, String> deliveryProperties(SluiceConfig c) {
        Map<String, String> props = producerProperties(c);
        props.put("compression.type", c.delivery().compression());
        return props;
    }

    /** The fan-out's dead-letter topic: a plain (deleting) topic with at most 6 partitions; few records go there. */
    public static TopicCheck ensureDeadLetterTopic(KafkaTopics topics, SluiceConfig c, int partitions, int rf,
                                                   int minIsr) {
        return topics.ensureReadingsTopic(c.fanout().deadLetterTopic(), Math.min(partitions, 6), rf, minIsr);
    }

    /**
     * The fan-out's settings; reads the token file.
     *
     * @throws StartupException when fanout.influx_token_file or fanout.influx_password_file cannot be read
     */
    public static FanoutConfig fanoutConfig(SluiceConfig c) {
        SluiceConfig.Fanout f = c.fanout();
        String token = firstLine("fanout.influx_token_file", f.influxTokenFile());
        return new FanoutConfig(c.kafka().bootstrapServers(), c.kafka().readingsTopic(), f.groupId(),
                f.deadLetterTopic(), f.unmatchedToDeadLetter(), f.influxUrl(), f.influxOrg(), f.influxBucket(), token,
                f.batchMaxPoints(), f.batchMaxBytes(), f.lingerMs(), f.writeTimeoutMs(), f.retryInitialMs(),
                f.retryMaxMs(), f.rules(), c.kafka().clientProperties(), producerProperties(c), influxV1(f));
    }

    /** The v1 write API's settings with the password read from its file; null for the v2 API. */
    private static FanoutConfig.InfluxV1 influxV1(SluiceConfig.Fanout f) {
        SluiceConfig.InfluxV1 v1 = f.influxV1();
        if (v1 == null) {
            return null;
        }
        return new FanoutConfig.InfluxV1(v1.database(), v1.retentionPolicy(), v1.username(),
                firstLine("fanout.influx_password_file", v1.passwordFile()));
    }

    /** The first line of a secret's file, stripped; empty when no file is named. */
    private static String firstLine(String key, String file) {
        if (file.isBlank()) {
            return "";
        }
        try {
            return Files.readAllLines(Path.of(file)).stream().findFirst().orElse("").strip();
        } catch (IOException e) {
            throw new StartupException(key + ": cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public static KafkaLog log(SluiceConfig c) {
        SluiceConfig.Kafka k = c.kafka();
        return new KafkaLog(new LogConfig(k.bootstrapServers(), k.readingsTopic(), k.lingerMs(), k.batchSizeBytes(),
                k.bufferMemoryBytes(), k.deliveryTimeoutMs(), k.requestTimeoutMs(), k.maxBlockMs(),
                "sluice-" + c.nodeId(), producerProperties(c)));
    }

    /**
     * The QoS 2 writer (readings and session records in one transaction, transactional.id sluice-qos2-NODE), or null
     * when mqtt.qos2_enabled is off.
     */
    public static KafkaTransactionalLog transactionalLog(SluiceConfig c, KafkaLog log) {
        if (!c.mqtt().qos2Enabled()) {
            return null;
        }
        return new KafkaTransactionalLog(log.config(), c.kafka().sessionsTopic(), "sluice-qos2-" + c.nodeId());
    }

    public static KafkaSessionLog sessionLog(SluiceConfig c) {
        SluiceConfig.Kafka k = c.kafka();
        return new KafkaSessionLog(new SessionLogConfig(k.bootstrapServers(), k.sessionsTopic(), k.deliveryTimeoutMs(),
                k.requestTimeoutMs(), k.maxBlockMs(), k.startupTimeoutMs(), "sluice-sessions-" + c.nodeId(),
                k.clientProperties(), c.mqtt().sessionStoreMaxQueuedBytes()), c.nodeId());
    }

    /** The user's client properties, plus a max.request.size that admits the largest packet MQTT accepts. */
    private static Map<String, String> producerProperties(SluiceConfig c) {
        Map<String, String> props = new HashMap<>();
        long needed = c.mqtt().maxPacketSizeBytes() + 64L * 1024;
        props.put("max.request.size", Long.toString(Math.max(1_048_576L, needed)));
        props.putAll(c.kafka().clientProperties());
        return props;
    }

    public static MqttSnConfig mqttSnConfig(SluiceConfig c) {
        SluiceConfig.MqttSn m = c.mqttSn();
        return new MqttSnConfig(m.host(), m.port(), m.sockets(), m.receiveBufferBytes(), m.predefinedTopics(),
                m.clientIdleMs(), m.maxDatagramBytes(), m.allowedSources(), m.ratePerSecond(), m.burst(),
                new MqttSnLimits(m.maxClients(), m.maxTopicsPerClient(), m.maxTopicBytesPerClient(), m.maxTopicBytes(),
                        m.maxInflightMessages()));
    }

    public static LineDatagramConfig lineUdpConfig(SluiceConfig c) {
        SluiceConfig.LineUdp l = c.lineUdp();
        return new LineDatagramConfig(l.host(), l.port(), l.sockets(), l.receiveBufferBytes(), l.maxDatagramBytes(),
                l.allowedSources(), l.ratePerSecond(), l.burst());
    }

    /** Bounds on the session state clients can make this node hold (docs/LIMITS.md). */
    public static SessionLimits sessionLimits(SluiceConfig c) {
        SluiceConfig.Mqtt m = c.mqtt();
        return new SessionLimits(m.maxPersistentSessions(), m.maxClientIdBytes(), m.maxSubscriptionsPerSession(),
                m.maxTopicFilterBytes(), m.sessionStoreTimeoutMs(), m.sessionCatchUpTimeoutMs());
    }

    /** Bounds of delivery to subscribers (docs/LIMITS.md). */
    public static io.sluice.mqtt.DeliveryLimits deliveryLimits(SluiceConfig c) {
        SluiceConfig.Delivery d = c.delivery();
        return new io.sluice.mqtt.DeliveryLimits(d.maxInflightPerSession(), d.maxQueuedMessagesPerSession(),
                d.maxQueuedBytes(), d.maxRetainedBytes(), d.handoverTimeoutMs());
    }

    /**
     * The budget the UDP sources share: ingest.udp_max_inflight_percent of the global one, counted there too, so
     * a datagram flood leaves MQTT readers the rest.
     */
    public static InflightBudget udpBudget(SluiceConfig c, InflightBudget global) {
        return global.share(c.ingest().udpMaxInflightPercent());
    }

    /**
     * The MQTT listeners: plain when mqtt.enabled, TLS when mqtt_tls.enabled (its files read now), and the
     * per-source accept limits of both.
     *
     * @throws StartupException when a TLS file cannot be used (the message names it)
     */
    public static io.sluice.mqtt.Listeners listeners(SluiceConfig c) {
        io.sluice.tls.ServerTls tls = null;
        if (c.mqttTls().enabled()) {
            try {
                tls = io.sluice.tls.ServerTls.load(c.mqttTls().tlsConfig());
            } catch (IllegalArgumentException e) {
                throw new StartupException("mqtt_tls: " + e.getMessage(), e);
            }
        }
        SluiceConfig.Mqtt m = c.mqtt();
        return new io.sluice.mqtt.Listeners(m.enabled(), tls, new io.sluice.tls.SourceLimits(
                m.connectionRatePerSource(), m.connectionBurstPerSource(), m.maxConnectionsPerSource(),
                MAX_TRACKED_SOURCES, m.sourceLimitsExempt()));
    }

    /** Source addresses the accept-time limiter tracks at once (about 200 B each; idle ones are forgotten). */
    static final int MAX_TRACKED_SOURCES = 262_144;

    /**
     * The authenticator of the MQTT listener: reads the password and ACL files (a broken one stops the start-up,
     * naming file and line) and registers them with {@code files}, which reloads them when they change and on SIGHUP.
     */
    public static io.sluice.auth.Authenticator authenticator(SluiceConfig c, io.sluice.security.FileWatch files) {
        SluiceConfig.Auth a = c.auth();
        io.sluice.auth.PasswordFile passwords = null;
        io.sluice.auth.AclFile acl = null;
        try {
            if (!a.passwordFile().isEmpty()) {
                passwords = io.sluice.auth.PasswordFile.load(Path.of(a.passwordFile()));
                files.register(passwords);
                LOG.info("Password file {}: {} user(s)", a.passwordFile(), passwords.size());
            }
            if (!a.aclFile().isEmpty()) {
                acl = io.sluice.auth.AclFile.load(Path.of(a.aclFile()));
                files.register(acl);
                LOG.info("ACL file {}: {} line(s); what it does not allow is refused", a.aclFile(),
                        acl.acl().ruleCount());
            }
        } catch (IllegalArgumentException e) {
            throw new StartupException(e.getMessage(), e);
        }
        // client certificates establish identities when the TLS listener asks for them
        boolean certificates = c.mqttTls().enabled() && !"none".equals(c.mqttTls().clientAuth());
        io.sluice.auth.AuthConfig config = new io.sluice.auth.AuthConfig(a.allowAnonymous(),
                a.clientIdMustMatchIdentity(), certificates, a.passwordCheckThreads(), a.passwordCheckQueue(),
                a.maxRememberedPasswords(), a.aclCacheTopicsPerConnection());
        io.sluice.auth.Authenticator auth = new io.sluice.auth.Authenticator(config, passwords, acl);
        if (a.allowAnonymous()) {
            LOG.warn("auth.allow_anonymous is on: clients without credentials are accepted on every listener");
        } else if (!auth.authenticationConfigured()) {
            LOG.info("No authentication configured: anonymous MQTT clients are accepted on loopback addresses only");
        }
        return auth;
    }

    /** Says at start-up that a UDP listener cannot authenticate anyone, and what fences it. */
    public static void sayUdpIsAnonymous(String section, List<String> allowedSources) {
        LOG.warn("{} datagrams carry no credentials: every sender is anonymous (records say so); senders are fenced"
                + " only by {}", section, allowedSources.isEmpty() ? "the bind address (" + section
                + ".allowed_sources is empty)" : section + ".allowed_sources " + allowedSources);
    }

    public static MqttConfig mqttConfig(SluiceConfig c) {
        SluiceConfig.Mqtt m = c.mqtt();
        return new MqttConfig(m.host(), m.port(), m.ioThreads(), m.maxConnections(), m.maxPacketSizeBytes(),
                m.maxInflightMessages(), m.topicAliasMaximum(), m.maxSessionExpirySeconds(), m.connectTimeoutMs(),
                m.maxKeepAliveSeconds(), m.packetArrivalTimeoutMs(), m.maxPartialPacketBytes(), m.serverReferences());
    }
}
