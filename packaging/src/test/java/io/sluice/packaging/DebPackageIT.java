package io.sluice.packaging;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.sluice.stack.KafkaCluster;
import io.sluice.stack.KafkaRecords;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The .deb as an operator gets it: its contents and modes, then a real install on this machine (root only),
 * the daemon run as the sluice user against a real Kafka with a real MQTT client, the unit verified, and a purge
 * that leaves no files, user or group behind.
 */
class DebPackageIT {
    private static final Path DEB = Path.of("target", "sluice_" + System.getProperty("sluice.version", "0.1.0-SNAPSHOT")
            + "_amd64.deb");

    private static String sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed (" + p.exitValue() + "):\n" + out);
        }
        return out;
    }

    private static boolean has(String tool) {
        return Files.isExecutable(Path.of("/usr/bin", tool)) || Files.isExecutable(Path.of("/bin", tool));
    }

    @Test
    void deb_holdsTheRuntimeCommandConfigUnitAndScripts_withTheRightModes() throws Exception {
        assumeTrue(has("dpkg-deb"), "dpkg-deb is needed to inspect the package");
        String contents = sh("dpkg-deb", "-c", DEB.toString());
        assertTrue(contents.matches("(?s).*-rwxr-xr-x root/root .* \\./usr/bin/sluice\n.*"), contents);
        assertTrue(contents.matches("(?s).*-rw-r----- root/root .* \\./etc/sluice/sluice\\.yaml\n.*"), contents);
        assertTrue(contents.matches("(?s).*-rw-r--r-- root/root .* \\./lib/systemd/system/sluice\\.service\n.*"), contents);
        assertTrue(contents.matches("(?s).*-rwxr-xr-x root/root .* \\./usr/lib/sluice/runtime/bin/java\n.*"), contents);
        assertTrue(contents.contains("./usr/lib/sluice/lib/sluice-daemon-"), contents);
        assertTrue(contents.contains("./usr/lib/sysctl.d/60-sluice.conf"), contents);
        assertTrue(contents.contains("./etc/security/limits.d/sluice.conf"), contents);
        assertTrue(contents.contains("./usr/share/bash-completion/completions/sluice"), contents);
        // man pages from the command model, one per command, readable by all
        assertTrue(contents.matches("(?s).*-rw-r--r-- root/root .* \\./usr/share/man/man1/sluice\\.1\\.gz\n.*"), contents);
        assertTrue(contents.matches("(?s).*-rw-r--r-- root/root .* \\./usr/share/man/man1/sluice-run\\.1\\.gz\n.*"),
                contents);
        assertTrue(contents.contains("./usr/share/man/man1/sluice-config-check.1.gz"), contents);
        assertTrue(contents.matches("(?s).*drwxr-x--- root/root .* \\./var/lib/sluice/\n.*"), contents);

        String conffiles = sh("dpkg-deb", "-f", DEB.toString(), "Package", "Architecture");
        assertTrue(conffiles.contains("Package: sluice") && conffiles.contains("Architecture: amd64"), conffiles);
        Path control = Files.createTempDirectory("sluice-deb-control");
        sh("dpkg-deb", "-e", DEB.toString(), control.toString());
        assertEquals(List.of("/etc/sluice/sluice.yaml", "/etc/security/limits.d/sluice.conf"),
                Files.readAllLines(control.resolve("conffiles")));
        for (String script : List.of("postinst", "prerm", "postrm")) {
            assertTrue(Files.isExecutable(control.resolve(script)), script);
        }
        assertTrue(Files.readString(control.resolve("postinst")).contains("/run/systemd/system"),
                "maintainer scripts never start a daemon where systemd is absent");
    }

    @Test
    void install_runAsSluiceUser_publishReachesKafka_thenPurgeLeavesNothing() throws Exception {
        assumeTrue(has("dpkg") && "root".equals(System.getProperty("user.name")), "installing needs root and dpkg");
        assumeTrue(!Files.exists(Path.of("/usr/bin/sluice")), "a sluice package is already installed here");
        KafkaCluster kafka = KafkaCluster.shared();
        Process daemon = null;
        try {
            sh("dpkg", "-i", DEB.toString());
            assertTrue(sh("id", "sluice").contains("(sluice)"));
            assertTrue(sh("runuser", "-u", "sluice", "--", "/usr/bin/sluice", "version").contains("0.1.0"));
            // (minimal images may tell dpkg to skip /usr/share/man; then there is nothing to read)
            if (has("man") && Files.exists(Path.of("/usr/share/man/man1/sluice-fanout.1.gz"))) {
                String page = sh("man", "-P", "cat", "sluice-fanout");
                assertTrue(page.contains("OPTIONS") && page.contains("config"),
                        "man sluice-fanout shows its options:\n" + page);
            }
            if (has("systemd-analyze")) {
                String verify = sh("systemd-analyze", "verify", "/lib/systemd/system/sluice.service");
                assertFalse(verify.contains("sluice.service:"), "unit warnings:\n" + verify);
            }

            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Path config = Path.of("/var/lib/sluice/it.yaml");
            Files.writeString(config, String.join("\n", "node_id: packaged", "mqtt:", "  host: 127.0.0.1",
                    "  port: " + port, "admin:", "  port: 0", "kafka:", "  bootstrap_servers: " + kafka.bootstrapServers(),
                    "  readings_topic: packaged.readings", "  sessions_topic: packaged.sessions",
                    "  topic_partitions: 1", "  topic_replication_factor: 1", "  topic_min_insync_replicas: 1", ""));
            sh("chown", "sluice:sluice", config.toString());
            Path log = Files.createTempFile("sluice-packaged", ".log");
            daemon = new ProcessBuilder("runuser", "-u", "sluice", "--", "/usr/bin/sluice", "run", "--config",
                    config.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Process running = daemon;
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                assertTrue(running.isAlive(), () -> "daemon exited: " + readQuietly(log));
                return readQuietly(log).contains(" ready: MQTT on ");
            });

            Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("packaged-sensor")
                    .serverHost("127.0.0.1").serverPort(port).buildBlocking();
            client.connect();
            client.publishWith().topic("sensors/packaged").qos(MqttQos.AT_LEAST_ONCE)
                    .payload("from the package".getBytes(StandardCharsets.UTF_8)).send();
            client.disconnect();
            List<String> values = new ArrayList<>();
            KafkaRecords.forEach(kafka.bootstrapServers(), "packaged.readings", Duration.ofSeconds(30),
                    r -> values.add(new String(r.value(), StandardCharsets.UTF_8)));
            assertEquals(List.of("from the package"), values);
            assertTrue(sh("ps", "-o", "user=", "-p", Long.toString(childPid(daemon))).trim().startsWith("sluice"));

            java.util.regex.Matcher admin = java.util.regex.Pattern.compile("Admin endpoint on http://127\\.0\\.0\\.1:(\\d+)")
                    .matcher(readQuietly(log));
            assertTrue(admin.find(), readQuietly(log));
            String status = sh("runuser", "-u", "sluice", "--", "/usr/bin/sluice", "status", "--config", config.toString(),
                    "--port", admin.group(1), "--json");
            assertTrue(status.contains("\"publishes_qos1\":1") && status.contains("\"pubacks_sent\":1"), status);
        } finally {
            if (daemon != null) {
                daemon.descendants().forEach(ProcessHandle::destroy);
                daemon.destroy();
                daemon.waitFor(60, TimeUnit.SECONDS);
            }
            sh("dpkg", "--purge", "sluice");
        }
        assertFalse(Files.exists(Path.of("/usr/lib/sluice")));
        assertFalse(Files.exists(Path.of("/etc/sluice")));
        assertFalse(Files.exists(Path.of("/var/lib/sluice")));
        assertFalse(Files.exists(Path.of("/usr/bin/sluice")));
        assertFalse(Files.exists(Path.of("/usr/share/man/man1/sluice.1.gz")));
        Process id = new ProcessBuilder("id", "sluice").start();
        assertTrue(id.waitFor(10, TimeUnit.SECONDS) && id.exitValue() != 0, "the sluice user is gone");
        Process group = new ProcessBuilder("getent", "group", "sluice").start();
        assertTrue(group.waitFor(10, TimeUnit.SECONDS) && group.exitValue() != 0, "the sluice group is gone");
    }

    /** runuser forks the java process; the daemon is its child. */
    private static long childPid(Process runuser) {
        return runuser.descendants().findFirst().map(ProcessHandle::pid).orElse(runuser.pid());
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }
}
