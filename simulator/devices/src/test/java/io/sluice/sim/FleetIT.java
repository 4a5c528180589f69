package io.sluice.sim;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.config.ConfigLoader;
import io.sluice.stack.KafkaCluster;
import io.sluice.stack.KafkaRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet against a real daemon (MQTT, the MQTT-SN gateway and the line-protocol UDP listener on) and real Kafka:
 * many identities over few connections, in bursts and steadily, over all three transports and payload formats, each
 * run audited by reading the topic back. Runs share one daemon and topic; each has its own identity prefix, so the
 * audit of one counts the others' records as foreign.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FleetIT {
    private final KafkaCluster kafka = KafkaCluster.shared();
    private final String topic = "fleet-" + UUID.randomUUID();
    private SluiceDaemon daemon;

    @TempDir
    static Path tmp;

    @BeforeAll
    void startDaemon() {
        daemon = SluiceDaemon.start(ConfigLoader.fromMap(Map.ofEntries(
                Map.entry("node_id", "fleet-node"), Map.entry("mqtt.host", "127.0.0.1"), Map.entry("mqtt.port", "0"),
                Map.entry("mqtt_sn.enabled", "true"), Map.entry("mqtt_sn.host", "127.0.0.1"),
                Map.entry("mqtt_sn.port", "0"),
                Map.entry("line_udp.enabled", "true"), Map.entry("line_udp.host", "127.0.0.1"),
                Map.entry("line_udp.port", "0"),
                Map.entry("admin.port", "0"), Map.entry("admin.token_file", tmp.resolve("admin.token").toString()),
                Map.entry("kafka.bootstrap_servers", kafka.bootstrapServers()),
                Map.entry("kafka.readings_topic", topic), Map.entry("kafka.sessions_topic", topic + "-sessions"),
                Map.entry("kafka.topic_partitions", "1"), Map.entry("kafka.topic_replication_factor", "1"),
                Map.entry("kafka.topic_min_insync_replicas", "1"))));
    }

    @AfterAll
    void stopDaemon() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private static String prefix() {
        return "f" + UUID.randomUUID().toString().substring(0, 6) + "-";
    }

    private static FleetSpec spec(FleetSpec.Transport t, int port, int identities, int connections,
                                  FleetSpec.Mode mode, double duration, int bursts, int window, PayloadFormat format,
                                  int mqttVersion, String sources) {
        return new FleetSpec(t, "127.0.0.1", port, identities, connections, mode, 1, duration, bursts, window,
                t == FleetSpec.Transport.LINE_UDP ? 0 : 1, format, 128, mqttVersion,
                SourceAddresses.parse(sources), 1000, prefix(), "temperature");
    }

    /** A fleet run and the ledger it filled. */
    private record Run(FleetLedger ledger, FleetReport report) {
    }

    private static Run run(FleetSpec spec, long snRetryMillis, long drainSeconds) throws Exception {
        FleetLedger ledger = new FleetLedger(spec.identityPrefix(), spec.identities(), spec.rounds());
        FleetReport r = new FleetLoad(spec, ledger, snRetryMillis).run(null, Duration.ofSeconds(drainSeconds));
        System.out.println(r.summary());
        return new Run(ledger, r);
    }

    private LossAudit.Result audit(FleetLedger ledger) {
        return Auditor.audit(kafka.bootstrapServers(), topic, ledger, Duration.ofSeconds(60));
    }

    @Test
    void burst_20000IdentitiesOver20MqttConnections_fromFourSourceAddresses_everyOneAcknowledgedAndInKafka()
            throws Exception {
        FleetSpec spec = spec(FleetSpec.Transport.MQTT, daemon.mqttPort(), 20_000, 20, FleetSpec.Mode.BURST, 1, 1,
                32, PayloadFormat.JSON, 5, "127.0.0.1-127.0.0.4");
        Run run = run(spec, 2000, 40);
        FleetLedger ledger = run.ledger();
        FleetReport r = run.report();

        assertEquals(20, r.connected(), r.summary());
        assertEquals(20_000, r.load().acknowledged(), r.summary());
        assertEquals(0, r.load().failed(), r.summary());
        assertEquals(0, r.unfinished(), r.summary());
        assertEquals(1, r.burstNanos().size(), r.summary());
        assertEquals(20_000, r.load().latencyMicros().getTotalCount(), "a latency for every PUBACK");
        LossAudit.Result audit = audit(ledger);
        assertTrue(audit.passed(), audit.toString());
        assertEquals(20_000, audit.acknowledged(), audit.toString());
        assertEquals(0, audit.missing(), audit.toString());
        assertEquals(0, audit.unackedPresent(), audit.toString());

        // and it can fail: the same ledger against a topic that holds none of these readings
        LossAudit.Result elsewhere = Auditor.audit(kafka.bootstrapServers(), topic + "-sessions", ledger,
                Duration.ofSeconds(60));
        assertFalse(elsewhere.passed(), elsewhere.toString());
        assertEquals(20_000, elsewhere.missing(), elsewhere.toString());
    }

    @Test
    void steady_2000IdentitiesEverySecondOverMqtt3_linePayloads_keepTheSchedule_andTheAuditPasses() throws Exception {
        FleetSpec spec = spec(FleetSpec.Transport.MQTT, daemon.mqttPort(), 2_000, 10, FleetSpec.Mode.STEADY, 3, 1,
                16, PayloadFormat.LINE, 3, "127.0.0.1");
        assertEquals(6_000, spec.totalMessages());
        Run run = run(spec, 2000, 30);
        FleetLedger ledger = run.ledger();
        FleetReport r = run.report();

        assertEquals(6_000, r.load().acknowledged(), r.summary());
        assertEquals(0, r.load().failed(), r.summary());
        // open loop: the last message falls due 2.9995 s after the first, so the run cannot end sooner
        assertTrue(r.load().elapsedNanos() >= spec.dueNanos(5_999), "paced: " + r.load().elapsedNanos() / 1e9 + " s");
        assertTrue(r.fromDue());
        LossAudit.Result audit = audit(ledger);
        assertTrue(audit.passed(), audit.toString());
        assertEquals(6_000, audit.acknowledged(), audit.toString());
    }

    @Test
    void mqttSnQos1_2000IdentitiesOver20Clients_twoBursts_binaryPayloads_auditPasses_fromBothSourceAddresses()
            throws Exception {
        FleetSpec spec = spec(FleetSpec.Transport.MQTT_SN, daemon.mqttSn().port(), 2_000, 20, FleetSpec.Mode.BURST,
                1, 2, 16, PayloadFormat.BINARY, 5, "127.0.0.1-127.0.0.2");
        Run run = run(spec, 1000, 30);
        FleetLedger ledger = run.ledger();
        FleetReport r = run.report();

        assertEquals(20, r.connected(), r.summary());
        assertEquals(4_000, r.load().acknowledged(), r.summary());
        assertEquals(0, r.load().failed(), r.summary());
        LossAudit.Result audit = audit(ledger);
        assertTrue(audit.passed(), audit.toString());
        assertEquals(4_000, audit.acknowledged(), audit.toString());

        // the gateway saw the clients' two source addresses (it records the sender of each datagram)
        Set<String> sources = KafkaRecords.readAll(kafka.bootstrapServers(), topic, Duration.ofSeconds(60)).stream()
                .filter(rec -> rec.key() != null && rec.key().startsWith(spec.identityPrefix()))
                .map(rec -> header(rec.headers().lastHeader("sluice.source")))
                .map(s -> s.substring(0, s.lastIndexOf(':')))
                .collect(Collectors.toSet());
        assertEquals(Set.of("127.0.0.1", "127.0.0.2"), sources);
    }

    @Test
    void lineUdp_1000IdentitiesOver4Sockets_atLowRate_everyDatagramPresent_butNothingClaimedAcknowledged()
            throws Exception {
        FleetSpec spec = spec(FleetSpec.Transport.LINE_UDP, daemon.lineUdp().port(), 1_000, 4, FleetSpec.Mode.STEADY,
                2, 1, 16, PayloadFormat.LINE, 5, "127.0.0.1");
        Run run = run(spec, 2000, 30);
        FleetLedger ledger = run.ledger();
        FleetReport r = run.report();

        assertEquals(2_000, r.load().sent(), r.summary());
        assertEquals(0, r.load().acknowledged(), "datagrams are never acknowledged");
        assertEquals(0, r.load().failed(), r.summary());
        // nothing tells the sender when a datagram is in Kafka: read the topic until every one is there
        AtomicReference<LossAudit.Result> last = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
            last.set(audit(ledger));
            return last.get().absent() == 0;
        });
        LossAudit.Result audit = last.get();
        assertEquals(2_000, audit.present(), audit.presenceSummary());
        assertEquals(0, audit.acknowledged());
        assertEquals(0, audit.duplicates(), audit.presenceSummary());
    }

    private static String header(Header h) {
        return h == null ? "?:0" : new String(h.value(), StandardCharsets.UTF_8);
    }
}
