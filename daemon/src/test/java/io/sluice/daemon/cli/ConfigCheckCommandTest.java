package io.sluice.daemon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice config check} as an operator runs it: exit code and messages. */
class ConfigCheckCommandTest {

    private record Run(int exit, String out, String err) {
    }

    private static Run sluice(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = SluiceCommand.commandLine().execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

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
        Run run = sluice("config", "check", file.toString());
        assertEquals(SluiceCommand.EXIT_CONFIG, run.exit());
        assertTrue(run.err().contains(file + ":3: unknown key 'mqtt.max_inflight_mesages' (did you mean 'mqtt.max_inflight_messages'?)"),
                run.err());
        assertTrue(run.err().contains(file + ":6: kafka.linger_ms: value '-1' is not an integer between 0 and 60000"),
                run.err());
        assertTrue(run.err().contains("2 problem(s)"), run.err());
    }

    @Test
    void validFile_isAccepted() throws Exception {
        Run run = sluice("config", "check", Path.of("..", "conf", "sluice.yaml").toString());
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("OK"), run.out());
    }

    @Test
    void missingFile_isAClearError(@TempDir Path dir) {
        Run run = sluice("config", "check", dir.resolve("nope.yaml").toString());
        assertEquals(SluiceCommand.EXIT_CONFIG, run.exit());
        assertTrue(run.err().contains("nope.yaml: cannot read"), run.err());
    }

    @Test
    void run_withAnInvalidConfig_startsNothing_andExits78(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "mqtt:\n  port: 99999\n");
        Run run = sluice("run", "--config", file.toString());
        assertEquals(SluiceCommand.EXIT_CONFIG, run.exit());
        assertTrue(run.err().contains(file + ":2: mqtt.port: value '99999' is not an integer between 0 and 65535"), run.err());
    }
}
