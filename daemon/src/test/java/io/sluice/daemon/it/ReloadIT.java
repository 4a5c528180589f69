package io.sluice.daemon.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGHUP (systemd ExecReload) re-reads the config: log settings apply live, the rest is named as needing a restart. */
class ReloadIT {

    private static void hup(long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(pid)).start();
        assertEquals(0, kill.waitFor());
    }

    @Test
    void sighup_appliesLogLevel_namesRestartOnlyChanges_andRefusesAnInvalidFile(@TempDir Path dir) throws Exception {
        TestKafka kafka = TestKafka.shared();
        int port = DaemonProcess.freePort();
        String yaml = kafka.daemonYaml("reload", port);
        try (DaemonProcess daemon = new DaemonProcess(dir, yaml, port, List.of("-Xmx256m")).start()) {
            Path config = dir.resolve("sluice.yaml");
            Files.writeString(config, yaml.replace("node_id: it-node", "node_id: renamed-node") + "log:\n  level: debug\n"
                    + "ingest:\n  max_inflight_bytes: 1048576\n");
            hup(daemon.pid());
            await().atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> assertTrue(daemon.process().isAlive() && daemon.log().contains("Reload applied: log.level debug"), daemon.log()));
            await().atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> assertTrue(daemon.process().isAlive() && daemon.log().contains("changes in [node_id] take effect only after a restart"), daemon.log()));
            // a limit changes live: the in-flight budget takes the new size, and is not named as needing a restart
            assertTrue(daemon.log().contains("Reload applied: ingest.max_inflight_bytes 1048576"), daemon.log());

            Files.writeString(config, "mqtt:\n  port: -1\n");
            hup(daemon.pid());
            await().atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> assertTrue(daemon.process().isAlive() && daemon.log().contains("Reload refused"), daemon.log()));
            assertTrue(daemon.log().contains("mqtt.port: value '-1'"), daemon.log());
            assertTrue(daemon.process().isAlive(), "an invalid file never stops the daemon");
            assertEquals(0, daemon.terminate(Duration.ofSeconds(60)), daemon.log());
        }
    }
}
