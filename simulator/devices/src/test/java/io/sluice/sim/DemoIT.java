package io.sluice.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.stack.KafkaCluster;
import io.sluice.stack.QuestDbServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The demo's own path, small: a real Sluice daemon in this JVM against the shared real broker, real MQTT clients,
 * the audit reading the topic back. One run must pass; the same ledger audited against an empty topic must fail.
 */
class DemoIT {
    private final KafkaCluster kafka = KafkaCluster.shared();

    private static LoadOptions options(String... args) {
        DemoCommand command = new DemoCommand();
        new CommandLine(command).parseArgs(args);
        return command.load;
    }

    @Test
    void smallDemo_overMqtt3_everyAcknowledgedMessageIsInKafka_andInTheTsdb_andItExitsZero() throws Exception {
        String topic = "demo-pass-" + UUID.randomUUID();
        QuestDbServer questDb = QuestDbServer.shared();
        String table = "demo_" + UUID.randomUUID().toString().replace("-", "");
        questDb.createTable(table, List.of("sensor"), List.of("temp DOUBLE", "seq DOUBLE"));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        DemoCommand.Outcome outcome;
        try (DemoCommand.Started started = new DemoCommand.Started()) {
            outcome = DemoCommand.run(kafka, new DemoCommand.Tsdb(questDb, table),
                    options("--devices", "20", "--messages", "20", "--mqtt-version", "3"),
                    topic, new PrintStream(printed, true, StandardCharsets.UTF_8), started);
        }

        String summary = printed.toString(StandardCharsets.UTF_8);
        assertEquals(400, outcome.load().acknowledged(), summary);
        assertEquals(0, outcome.load().failed(), summary);
        assertTrue(outcome.audit().passed(), summary);
        assertEquals(400, outcome.audit().acknowledged(), summary);
        assertEquals(0, outcome.audit().missing(), summary);
        assertEquals(0, outcome.exitCode());
        assertTrue(summary.contains("(MQTT 3.1.1, window 8"), summary);
        assertTrue(summary.contains("PUBLISH->PUBACK latency ms: p50"), summary);
        assertTrue(summary.contains("loss audit PASSED: 400 acknowledged"), summary);
        // the fan-out in the same daemon wrote each acknowledged reading as one row: device as tag, JSON fields
        assertEquals(400, outcome.tsdb().rows(), summary);
        assertTrue(outcome.tsdb().passed(), summary);
        assertEquals(400, questDb.count(table));
        assertEquals(20, questDb.queryLong("SELECT count() FROM " + table + " WHERE sensor = 'dev-000007'"));
        assertEquals(1, questDb.queryLong("SELECT count() FROM " + table
                + " WHERE sensor = 'dev-000007' AND seq = 19 AND temp = 16.9"));
        assertTrue(summary.contains("TSDB: 400 rows in QuestDB table '" + table + "' for 400 acknowledged readings"),
                summary);
        assertTrue(summary.contains("TSDB audit PASSED"), summary);
    }

    @Test
    void smallDemo_auditedAgainstAnEmptyTopic_reportsEveryAcknowledgedMessageMissing_andExitsOne() throws Exception {
        String topic = "demo-run-" + UUID.randomUUID();
        DemoCommand.Outcome outcome;
        try (DemoCommand.Started started = new DemoCommand.Started()) {
            outcome = DemoCommand.run(kafka, null, options("--devices", "20", "--messages", "20"), topic,
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), started);
        }
        assertEquals(400, outcome.load().acknowledged());
        String empty = "demo-empty-" + UUID.randomUUID();
        kafka.createTopic(empty, 3, 1, 1);

        LossAudit.Result audit = Auditor.audit(kafka.bootstrapServers(), empty, outcome.ledger(), Duration.ofSeconds(60));

        assertFalse(audit.passed(), audit.toString());
        assertEquals(400, audit.missing(), audit.toString());
        assertEquals(0, audit.records(), audit.toString());
        assertEquals(1, new DemoCommand.Outcome(outcome.load(), outcome.ledger(), audit, 0, null).exitCode());
    }
}
