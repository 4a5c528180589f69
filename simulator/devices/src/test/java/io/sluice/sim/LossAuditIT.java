package io.sluice.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.config.ConfigLoader;
import io.sluice.stack.KafkaCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loss audit against a real daemon and broker: it passes when nothing is lost, and it can fail. */
class LossAuditIT {
    private final KafkaCluster kafka = KafkaCluster.shared();

    @TempDir
    Path tmp;

    private SluiceDaemon daemon(String topic) {
        return SluiceDaemon.start(ConfigLoader.fromMap(Map.of(
                "node_id", "audit-node", "mqtt.host", "127.0.0.1", "mqtt.port", "0", "admin.port", "0",
                "admin.token_file", tmp.resolve("admin.token").toString(),
                "kafka.bootstrap_servers", kafka.bootstrapServers(),
                "kafka.readings_topic", topic, "kafka.sessions_topic", topic + "-sessions",
                "kafka.topic_replication_factor", "1", "kafka.topic_min_insync_replicas", "1")));
    }

    @Test
    void everyAcknowledgedMessageInTheLog_auditPasses() throws Exception {
        String topic = "audit-pass-" + UUID.randomUUID();
        try (SluiceDaemon d = daemon(topic)) {
            AckLedger ledger = new AckLedger();
            LoadReport report = new MqttLoad(LoadSpec.of("127.0.0.1", d.mqttPort(), 20, 20).withVersion(3), ledger)
                    .run(null);
            assertEquals(400, report.acknowledged());
            LossAudit.Result audit = Auditor.audit(kafka.bootstrapServers(), topic, ledger, Duration.ofSeconds(60));
            assertTrue(audit.passed(), audit.toString());
            assertEquals(400, audit.acknowledged());
            assertEquals(0, audit.missing());
        }
    }

    @Test
    void openLoop_pacesThePublishes_andTheAuditPasses() throws Exception {
        String topic = "audit-open-" + UUID.randomUUID();
        try (SluiceDaemon d = daemon(topic)) {
            AckLedger ledger = new AckLedger();
            // 1,000 PUBLISHes at 500/s: the schedule cannot end before message 999 is due, 1.998 s after the first
            LoadReport report = new MqttLoad(LoadSpec.of("127.0.0.1", d.mqttPort(), 20, 50), ledger).openLoop(500)
                    .run(null);
            assertEquals(1000, report.acknowledged());
            assertEquals(0, report.failed());
            assertTrue(report.elapsedNanos() >= 1_998_000_000L, "paced: " + report.elapsedNanos() / 1e9 + " s");
            LossAudit.Result audit = Auditor.audit(kafka.bootstrapServers(), topic, ledger, Duration.ofSeconds(60));
            assertTrue(audit.passed(), audit.toString());
            assertEquals(1000, audit.acknowledged());
        }
    }

    @Test
    void acknowledgedRecordsDeletedFromTheLog_auditFails() throws Exception {
        String topic = "audit-fail-" + UUID.randomUUID();
        try (SluiceDaemon d = daemon(topic)) {
            AckLedger ledger = new AckLedger();
            new MqttLoad(LoadSpec.of("127.0.0.1", d.mqttPort(), 10, 20), ledger).run(null);
            TopicPartition p0 = new TopicPartition(topic, 0);
            var admin = kafka.admin();
            long end = admin.listOffsets(Map.of(p0, OffsetSpec.latest())).all().get(30, TimeUnit.SECONDS)
                    .get(p0).offset();
            admin.deleteRecords(Map.of(p0, RecordsToDelete.beforeOffset(end / 2))).all().get(30, TimeUnit.SECONDS);

            LossAudit.Result audit = Auditor.audit(kafka.bootstrapServers(), topic, ledger, Duration.ofSeconds(60));
            assertFalse(audit.passed(), audit.toString());
            assertEquals(end / 2, audit.missing(), audit.toString());
        }
    }
}
