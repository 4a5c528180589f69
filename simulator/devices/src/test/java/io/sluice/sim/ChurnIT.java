package io.sluice.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.config.ConfigLoader;
import io.sluice.stack.KafkaCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short churn run against a real daemon and Kafka: persistent-session devices connect, publish, disconnect and
 * come back three times, each reconnect finding its session; the audit passes. With acknowledged records then
 * deleted from the log, the same audit fails.
 */
class ChurnIT {
    private final KafkaCluster kafka = KafkaCluster.shared();

    @TempDir
    Path tmp;

    @Test
    void persistentSessionsChurn_sessionPresentEveryTime_auditPasses_thenFailsOnceRecordsAreDeleted()
            throws Exception {
        String topic = "churn-" + UUID.randomUUID();
        try (SluiceDaemon d = SluiceDaemon.start(ConfigLoader.fromMap(Map.ofEntries(
                Map.entry("node_id", "churn-node"), Map.entry("mqtt.host", "127.0.0.1"), Map.entry("mqtt.port", "0"),
                Map.entry("admin.port", "0"), Map.entry("admin.token_file", tmp.resolve("admin.token").toString()),
                Map.entry("kafka.bootstrap_servers", kafka.bootstrapServers()),
                Map.entry("kafka.readings_topic", topic), Map.entry("kafka.sessions_topic", topic + "-sessions"),
                Map.entry("kafka.topic_partitions", "1"), Map.entry("kafka.topic_replication_factor", "1"),
                Map.entry("kafka.topic_min_insync_replicas", "1"))))) {
            for (int version : new int[] {3, 5}) {
                AckLedger ledger = new AckLedger();
                ChurnLoad.ChurnReport r = new ChurnLoad(new ChurnLoad.ChurnSpec("127.0.0.1", d.mqttPort(), 60, 3, 5,
                        version, 20, "churn-v" + version + "-" + UUID.randomUUID().toString().substring(0, 6) + "-"),
                        ledger).run();
                assertEquals(180, r.connects(), r.summary());
                assertEquals(0, r.sessionMismatches(), "session present on every reconnect, never on the first: "
                        + r.summary());
                assertEquals(0, r.failed(), r.summary());
                assertEquals(900, r.acknowledged(), r.summary());
                LossAudit.Result audit = Auditor.audit(kafka.bootstrapServers(), topic, ledger, Duration.ofSeconds(60));
                assertTrue(audit.passed(), audit.toString());
                assertEquals(900, audit.acknowledged(), audit.toString());

                if (version == 5) {
                    // the audit can fail: delete the earlier run's 900 records and the first 100 of this one, then
                    // audit this run's ledger again
                    TopicPartition p0 = new TopicPartition(topic, 0);
                    kafka.admin().deleteRecords(Map.of(p0, RecordsToDelete.beforeOffset(1000))).all().get();
                    LossAudit.Result after = Auditor.audit(kafka.bootstrapServers(), topic, ledger,
                            Duration.ofSeconds(60));
                    assertFalse(after.passed(), after.toString());
                    assertEquals(100, after.missing(), after.toString());
                }
            }
            assertEquals(120, d.sessionCount(), "every churned device keeps its persistent session");
        }
    }
}
