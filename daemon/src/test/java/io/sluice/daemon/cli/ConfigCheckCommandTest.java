package io.sluice.daemon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice config check} as an operator runs it: exit code and messages. */
class ConfigCheckCommandTest {

    @Test
    void unknownKey_andNegativeBound_areRejected_namingBothWithTheirLines(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sluice.yaml");
        Files.writeString(file, """
                mqtt:
                  port: 1883
                  max_inflight_mesages: 10
                kafka:
                  bootstrap_servers: kafka-1:9092
                  linger_ms: -1
                """);
        CliRun run = CliRun.sluice("config", "check", file.toString());
        assertEquals(SluiceCommand.EXIT_CONFIG, run.exit());
        assertTrue(run.err().contains(file + ":3: unknown key 'mqtt.max_inflight_mesages' (did you mean 'mqtt.max_inflight_messages'?)"),
                run.err());
        assertTrue(run.err().contains(file + ":6: kafka.linger_ms: value '-1' is not an integer between 0 and 60000"),
                run.err());
        assertTrue(run.err().contains("2 problem(s)"), run.err());
    }

    @Test
    void validFile_isAccepted() throws Exception {
        CliRun run = CliRun.sluice("config", "check", Path.of("..", "conf", "sluice.yaml").toString());
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("OK"), run.out());
    }

    @Test
    void tlsWithAnExpiredServerCertificate_isRefused_andAStaleCrl_isAWarning(@TempDir Path dir) throws Exception {
        io.sluice.tls.TestPki.Ca ca = io.sluice.tls.TestPki.ca("fleet-ca");
        java.time.Instant now = java.time.Instant.now();
        io.sluice.tls.TestPki.Issued expired = io.sluice.tls.TestPki.issue(ca, "server", java.util.List.of(),
                now.minus(java.time.Duration.ofDays(400)), now.minus(java.time.Duration.ofDays(1)));
        expired.write(dir, "server");
        io.sluice.tls.TestPki.writeCert(dir.resolve("ca.crt"), ca.cert);
        java.time.Instant due = now.minus(java.time.Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        io.sluice.tls.TestPki.writeCrl(dir.resolve("ca.crl"), ca.crl(due.minus(java.time.Duration.ofDays(7)), due));
        Path file = dir.resolve("sluice.yaml");
        Files.writeString(file, """
                mqtt_tls:
                  enabled: true
                  cert_file: %1$s/server.crt
                  key_file: %1$s/server.key
                  client_auth: required
                  ca_file: %1$s/ca.crt
                  crl_file: %1$s/ca.crl
                """.formatted(dir));
        CliRun refused = CliRun.sluice("config", "check", file.toString());
        assertEquals(SluiceCommand.EXIT_CONFIG, refused.exit());
        assertTrue(refused.err().contains(file + ":3: mqtt_tls.cert_file: " + dir + "/server.crt: the server"
                + " certificate expired on " + expired.cert().getNotAfter().toInstant()), refused.err());

        io.sluice.tls.TestPki.server(ca, "server").write(dir, "server");
        CliRun warned = CliRun.sluice("config", "check", file.toString());
        assertEquals(0, warned.exit(), warned.err());
        assertTrue(warned.out().contains(file + ": warning: mqtt_tls.crl_file: " + dir + "/ca.crl: the CRL of"
                + " CN=fleet-ca is past its nextUpdate " + due + ": every client certificate of that CA is refused"),
                warned.out());
    }

    @Test
    void missingFile_isAClearError(@TempDir Path dir) {
        CliRun run = CliRun.sluice("config", "check", dir.resolve("nope.yaml").toString());
        assertEquals(SluiceCommand.EXIT_CONFIG, run.exit());
        assertTrue(run.err().contains("nope.yaml: cannot read"), run.err());
    }

    @Test
    void run_withAnInvalidConfig_startsNothing_andExits78(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "mqtt:\n  port: 99999\n");
        CliRun run = CliRun.sluice("run", "--config", file.toString());
        assertEquals(SluiceCommand.EXIT_CONFIG, run.exit());
        assertTrue(run.err().contains(file + ":2: mqtt.port: value '99999' is not an integer between 0 and 65535"), run.err());
    }
}
