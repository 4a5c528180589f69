package io.sluice.daemon.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult.Mqtt5Qos1Result;
import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.cli.CliRun;
import io.sluice.daemon.config.ConfigLoader;
import io.sluice.daemon.config.SluiceConfig;
import io.sluice.stack.KafkaCluster;
import io.sluice.stack.KafkaRecords;
import io.sluice.stack.KafkaSecurity;
import io.sluice.stack.QuestDbServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sluice against a broker whose client listener requires SASL_SSL with SCRAM-SHA-512 (TLS from a CA of the test's
 * own): configured through {@code kafka.client_properties} alone, every Kafka client Sluice builds works (the
 * readings producer, the session log's producer and loader, the fan-out's consumer and dead-letter producer, the
 * admin clients of start-up, `sluice topics` and the fan-out's lag), with the password read from a file of its own
 * by Kafka's FileConfigProvider; wrong credentials or an untrusted broker certificate stop start-up at once, with
 * the reason.
 */
class SecuredKafkaIT {
    private static final String USER = "sluice-node";
    private static final String PASSWORD = "correct-horse-battery";
    private static KafkaCluster kafka;

    @BeforeAll
    static void startSecuredBroker() {
        kafka = KafkaCluster.start(1, KafkaSecurity.saslSsl(KafkaSecurity.SCRAM_SHA_512, USER, PASSWORD));
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    /** The kafka section, with client_properties as an operator would write them in YAML. */
    private static String jaas(String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + USER
                + "\" password=\"" + password + "\";";
    }

    /** The kafka section, with client_properties as an operator would write them in YAML. */
    private static String kafkaSection(String suffix, String password, boolean trustTestCa) {
        return kafkaSection(suffix, List.of("sasl.jaas.config: '" + jaas(password) + "'"), trustTestCa);
    }

    /**
     * The kafka section with SASL_SSL and SCRAM-SHA-512 and the given further client properties (YAML lines); without
     * {@code trustTestCa} the client trusts only the JDK's CAs, which never signed the broker's certificate.
     * kafka.startup_timeout_ms is 60 s, so a start-up that gives up in less did not wait for it.
     */
    private static String kafkaSection(String suffix, List<String> properties, boolean trustTestCa) {
        StringBuilder sb = new StringBuilder("""
                kafka:
                  bootstrap_servers: %s
                  readings_topic: readings-%s
                  sessions_topic: sessions-%s
                  topic_partitions: 2
                  topic_replication_factor: 1
                  topic_min_insync_replicas: 1
                  startup_timeout_ms: 60000
                  client_properties:
                    security.protocol: SASL_SSL
                    sasl.mechanism: SCRAM-SHA-512
                """.formatted(kafka.bootstrapServers(), suffix, suffix));
        properties.forEach(p -> sb.append("    ").append(p).append('\n'));
        if (trustTestCa) {
            sb.append("    ssl.truststore.type: PEM\n    ssl.truststore.location: ").append(kafka.caFile()).append('\n');
        }
        return sb.toString();
    }

    private static String header() {
        return """
                node_id: secured-node
                mqtt:
                  host: 127.0.0.1
                  port: 0
                admin:
                  port: 0
                  token_file: %s
                """.formatted(TestKafka.tokenFile());
    }

    private static String fanoutSection(String suffix, String url, String table) {
        return """
                fanout:
                  enabled: true
                  workers: 1
                  group_id: secured-%s
                  dead_letter_topic: secured-dlq-%s
                  influx_url: %s
                  linger_ms: 50
                  rules:
                    - topic: sensors/{device}/#
                      measurement: %s
                      timestamp_field: ts
                      precision: ms
                """.formatted(suffix, suffix, url, table);
    }

    private static SluiceConfig write(Path file, String yaml) throws Exception {
        Files.writeString(file, yaml);
        return ConfigLoader.load(file);
    }

    private static boolean connectPersistent(String id, int port) {
        Mqtt5BlockingClient c = Clients.v5(id, port);
        boolean present = c.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().isSessionPresent();
        c.subscribeWith().topicFilter("commands/" + id + "/#").qos(MqttQos.AT_LEAST_ONCE).send();
        c.disconnect();
        return present;
    }

    private static List<ConsumerRecord<String, byte[]>> read(String topic) {
        return KafkaRecords.readAll(kafka.bootstrapServers(), kafka.clientProperties(), topic, Duration.ofSeconds(30));
    }

    @Test
    void everyKafkaClient_worksThroughClientPropertiesAlone_againstSaslSslScram(@TempDir Path dir) throws Exception {
        QuestDbServer tsdb = QuestDbServer.shared();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String table = "secured_" + suffix;
        tsdb.createTable(table, List.of("device"), List.of("temp DOUBLE"));
        // the password lives in a file of its own (readable by the daemon's user only), not in sluice.yaml
        Path secret = dir.resolve("kafka-client.properties");
        Files.writeString(secret, "sasl.jaas.config=" + jaas(PASSWORD) + "\n");
        Path file = dir.resolve("sluice.yaml");
        SluiceConfig config = write(file, header() + fanoutSection(suffix, tsdb.url(), table)
                + kafkaSection(suffix, List.of("config.providers: file",
                        "config.providers.file.class: org.apache.kafka.common.config.provider.FileConfigProvider",
                        "sasl.jaas.config: '${file:" + secret + ":sasl.jaas.config}'"), true));
        assertFalse(Files.readString(file).contains(PASSWORD));

        try (SluiceDaemon daemon = SluiceDaemon.start(config)) {
            // the readings producer: PUBACK only once Kafka has the record
            Mqtt5BlockingClient c = Clients.v5("secured-sensor", daemon.mqttPort());
            c.connect();
            String good = "{\"ts\": 1700000000000, \"temp\": 21.5}";
            var ack = (Mqtt5Qos1Result) c.publishWith().topic("sensors/dev-1/temp").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(good.getBytes(StandardCharsets.UTF_8)).send();
            assertEquals(Mqtt5PubAckReasonCode.SUCCESS, ack.getPubAck().getReasonCode());
            assertTrue(Clients.withPayload(read(config.kafka().readingsTopic()), good).isPresent(),
                    "the acknowledged reading is in the readings topic");

            // the fan-out's consumer writes it; its dead-letter producer takes a reading the TSDB can never take
            var bad = (Mqtt5Qos1Result) c.publishWith().topic("sensors/dev-2/temp").qos(MqttQos.AT_LEAST_ONCE)
                    .payload("not json".getBytes(StandardCharsets.UTF_8)).send();
            assertEquals(Mqtt5PubAckReasonCode.SUCCESS, bad.getPubAck().getReasonCode());
            c.disconnect();
            await().atMost(Duration.ofSeconds(60)).until(() -> tsdb.count(table) == 1);
            await().atMost(Duration.ofSeconds(60)).until(() -> !read("secured-dlq-" + suffix).isEmpty());
            ConsumerRecord<String, byte[]> letter = read("secured-dlq-" + suffix).get(0);
            assertEquals("not json", new String(letter.value(), StandardCharsets.UTF_8));
            Header reason = letter.headers().lastHeader("sluice.dlq.reason");
            assertEquals("malformed_json", new String(reason.value(), StandardCharsets.UTF_8));

            // the session log stores a persistent session
            assertFalse(connectPersistent("secured-valve", daemon.mqttPort()));
            assertTrue(connectPersistent("secured-valve", daemon.mqttPort()));

            // admin clients: the status's Kafka health and the fan-out's lag, and `sluice topics ensure`
            String port = Integer.toString(daemon.adminPort());
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                CliRun status = CliRun.sluice("status", "--json", "--config", file.toString(), "--port", port);
                assertEquals(0, status.exit(), status.err());
                assertTrue(status.out().contains("\"kafka_healthy\":true"), status.out());
                assertTrue(status.out().contains("\"lag\":0"), status.out());
            });
            CliRun topics = CliRun.sluice("topics", "ensure", "--config", file.toString(), "--partitions", "2",
                    "--replication-factor", "1", "--min-insync-replicas", "1");
            assertEquals(0, topics.exit(), topics.out() + topics.err());
            assertTrue(topics.out().contains("topic 'readings-" + suffix + "' exists as expected"), topics.out());
        }

        // the session log's loader reads the session back after a restart
        try (SluiceDaemon again = SluiceDaemon.start(config)) {
            assertTrue(connectPersistent("secured-valve", again.mqttPort()),
                    "the session stored through the secured listener is loaded after a restart");
        }
    }

    @Test
    void wrongPassword_refusesToStartAtOnce_namingClientPropertiesAndTheAuthenticationFailure(@TempDir Path dir)
            throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Path file = dir.resolve("sluice.yaml");
        SluiceConfig config = write(file, header() + kafkaSection(suffix, "not-the-password", true));
        long started = System.nanoTime();
        var e = assertThrows(SluiceDaemon.StartupException.class, () -> SluiceDaemon.start(config).close());
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertTrue(e.getMessage().contains("kafka.client_properties"), e.getMessage());
        assertTrue(e.getMessage().contains("Authentication failed"), e.getMessage());
        assertTrue(took.compareTo(Duration.ofSeconds(30)) < 0,
                "start-up gave up after " + took + ", not at once (kafka.startup_timeout_ms is 60 s)");

        started = System.nanoTime();
        CliRun topics = CliRun.sluice("topics", "ensure", "--config", file.toString());
        took = Duration.ofNanos(System.nanoTime() - started);
        assertEquals(69, topics.exit(), topics.out() + topics.err());
        assertTrue(topics.err().contains("kafka.client_properties"), topics.err());
        assertTrue(took.compareTo(Duration.ofSeconds(30)) < 0, "`sluice topics ensure` gave up after " + took);
    }

    @Test
    void brokerCertificateNotTrusted_refusesToStartAtOnce_namingClientPropertiesAndTheTlsFailure(@TempDir Path dir)
            throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        SluiceConfig config = write(dir.resolve("sluice.yaml"),
                header() + kafkaSection(suffix, PASSWORD, false));
        long started = System.nanoTime();
        var e = assertThrows(SluiceDaemon.StartupException.class, () -> SluiceDaemon.start(config).close());
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertTrue(e.getMessage().contains("kafka.client_properties"), e.getMessage());
        assertTrue(e.getMessage().contains("SslAuthenticationException"), e.getMessage());
        assertTrue(took.compareTo(Duration.ofSeconds(30)) < 0,
                "start-up gave up after " + took + ", not at once (kafka.startup_timeout_ms is 60 s)");
    }

    @Test
    void theListenerRequiresSasl_aTlsClientWithoutCredentialsReadsNothing() {
        kafka.createTopic("secured-probe", 1, 1, 1);
        assertTrue(KafkaRecords.readAll(kafka.bootstrapServers(), kafka.clientProperties(), "secured-probe",
                Duration.ofSeconds(30)).isEmpty(), "the cluster's user reads the (empty) topic");
        Map<String, String> noSasl = Map.of("security.protocol", "SSL", "ssl.truststore.type", "PEM",
                "ssl.truststore.location", kafka.caFile().toString());
        assertThrows(org.apache.kafka.common.errors.TimeoutException.class, () -> KafkaRecords.readAll(
                kafka.bootstrapServers(), noSasl, "secured-probe", Duration.ofSeconds(5)));
    }
}
