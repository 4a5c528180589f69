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
