package io.sluice.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.stack.KafkaCluster;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
    void smallDemo_overMqtt3_everyAcknowledgedMessageIsInKafka_andItExitsZero() throws Exception {
        String topic = "demo-pass-" + UUID.randomUUID();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        DemoCommand.Outcome outcome;
        try (DemoCommand.Started started = new DemoCommand.Started()) {
            outcome = DemoCommand.run(kafka, options("--devices", "20", "--messages", "20", "--mqtt-version", "3"),
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
    }

    @Test
    void smallDemo_auditedAgainstAnEmptyTopic_reportsEveryAcknowledgedMessageMissing_andExitsOne() throws Exception {
        String topic = "demo-run-" + UUID.randomUUID();
        DemoCommand.Outcome outcome;
        try (DemoCommand.Started started = new DemoCommand.Started()) {
            outcome = DemoCommand.run(kafka, options("--devices", "20", "--messages", "20"), topic,
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), started);
        }
        assertEquals(400, outcome.load().acknowledged());
        String empty = "demo-empty-" + UUID.randomUUID();
        kafka.createTopic(empty, 3, 1, 1);

        LossAudit.Result audit = Auditor.audit(kafka.bootstrapServers(), empty, outcome.ledger(), Duration.ofSeconds(60));

        assertFalse(audit.passed(), audit.toString());
        assertEquals(400, audit.missing(), audit.toString());
        assertEquals(0, audit.records(), audit.toString());
        assertEquals(1, new DemoCommand.Outcome(outcome.load(), outcome.ledger(), audit, 0).exitCode());
    }
}
