package io.sluice.sim.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice-sim bench-mosquitto-sessions}: Mosquitto's side of the 1M offline persistent sessions figure in
 * docs/DELIVERY.md. Starts Mosquitto (persistence on, TCP_NODELAY on) on a free port, makes N offline persistent
 * sessions with one QoS 1 subscription each ({@link PersistentSessionMaker}), and reports its resident memory
 * (VmRSS) before and after, the store file after a clean stop (SIGTERM), and restart-to-ready: from starting
 * {@code mosquitto -c conf} on that store until a CONNECT is accepted, with VmRSS then.
 *
 * <p>Threading: runs on the caller's thread; the sessions are made on the HiveMQ client's threads.
 */
@Command(name = "bench-mosquitto-sessions", mixinStandardHelpOptions = true,
        description = "Mosquitto's resident memory, store size and restart-to-ready with N offline persistent"
                + " sessions of one QoS 1 subscription each.")
public final class MosquittoSessionsBenchCommand implements Callable<Integer> {
    @Option(names = "--sessions", description = "offline persistent sessions (default ${DEFAULT-VALUE})")
    int sessions = 100_000;
    @Option(names = "--concurrency", description = "sessions being made at once, each an open socket"
            + " (default ${DEFAULT-VALUE})")
    int concurrency = 1_000;
    @Option(names = "--restarts", description = "restarts on the store to time, one after the other"
            + " (default ${DEFAULT-VALUE})")
    int restarts = 1;
    @Option(names = "--port", description = "Mosquitto's port (default: a free one)")
    int port = 0;
    @Option(names = "--dir", description = "directory for the config and the store (default: a new temporary one,"
            + " deleted afterwards)")
    Path dir;

    @Override
    public Integer call() throws Exception {
        boolean tempDir = dir == null;
        Path work = tempDir ? Files.createTempDirectory("sluice-bench-mosquitto-sessions-") : dir;
        Files.createDirectories(work);
        // started as root, Mosquitto drops to its own user, which must be able to write its store here
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
        int mqttPort = port > 0 ? port : freePort();
        Path conf = work.resolve("mosquitto.conf");
        Files.writeString(conf, String.join("\n", "listener " + mqttPort + " 127.0.0.1", "allow_anonymous true",
                "persistence true", "persistence_location " + work + "/", "set_tcp_nodelay true",
                "max_queued_messages 0", "log_type error", ""));
        Path store = work.resolve("mosquitto.db");
        Files.deleteIfExists(store);
        try {
            return run(conf, store, mqttPort);
        } finally {
            if (tempDir) {
                try (var files = Files.list(work)) {
                    for (Path f : files.toList()) {
                        Files.deleteIfExists(f);
                    }
                }
                Files.deleteIfExists(work);
            }
        }
    }

    private int run(Path conf, Path store, int mqttPort) throws Exception {
        System.out.printf("bench-mosquitto-sessions: %s, %,d sessions, %,d at a time, port %d, load average %.2f%n",
                version(), sessions, concurrency, mqttPort, DeliveryBenchCommand.loadAverage());
        long t0 = System.nanoTime();
        Process mosquitto = start(conf);
        try {
            double up = awaitConnect(mosquitto, mqttPort, t0);
            long empty = IdleConnectionsBenchCommand.rssKib(mosquitto.pid());
            System.out.printf("empty: accepting CONNECT %.2f s after start, VmRSS %,d KiB%n", up, empty);
            PersistentSessionMaker.Made made = new PersistentSessionMaker(mqttPort, concurrency).make(sessions,
                    (n, s) -> System.out.printf("  %,d sessions started in %.1f s (load average %.2f)%n", n, s,
                            DeliveryBenchCommand.loadAverage()));
            long full = IdleConnectionsBenchCommand.rssKib(mosquitto.pid());
            System.out.printf("made %,d offline persistent sessions (%,d failed, %,d attempts repeated%s) in %.1f s,"
                            + " %,.0f/s (load average %.2f)%n", made.ok(), made.failed(), made.retries(),
                    made.firstFailure() == null ? "" : "; first: " + made.firstFailure(), made.seconds(),
                    made.perSecond(), DeliveryBenchCommand.loadAverage());
            System.out.printf("VmRSS %,d KiB -> %,d KiB (%,.1f MiB), %.0f B per session%n", empty, full, full / 1024.0,
                    (full - empty) * 1024.0 / made.ok());
            double stopped = stop(mosquitto);
            System.out.printf("stopped (SIGTERM) in %.1f s; store %s: %,d bytes, %.0f B per session%n", stopped,
                    store.getFileName(), Files.size(store), Files.size(store) / (double) made.ok());
            if (made.failed() > 0) {
                return 1;
            }
        } finally {
            if (mosquitto.isAlive()) {
                stop(mosquitto);
            }
        }
        for (int r = 0; r < restarts; r++) {
            restart(conf, mqttPort);
        }
        return 0;
    }

    /** One restart on the store: time to the first CONNACK, VmRSS then, a session of each end present; then SIGTERM. */
    private void restart(Path conf, int mqttPort) throws Exception {
        System.out.printf("restarting on the store (load average %.2f)%n", DeliveryBenchCommand.loadAverage());
        long t1 = System.nanoTime();
        Process restarted = start(conf);
        try {
            double ready = awaitConnect(restarted, mqttPort, t1);
            long rss = IdleConnectionsBenchCommand.rssKib(restarted.pid());
            System.out.printf("restart to ready: CONNECT accepted %.2f s after `mosquitto -c` started; VmRSS %,d KiB"
                    + " (%,.1f MiB) (load average %.2f)%n", ready, rss, rss / 1024.0, DeliveryBenchCommand.loadAverage());
            for (int i : List.of(0, Math.max(0, sessions - 1))) {
                System.out.printf("  %s: session present after the restart: %s%n", PersistentSessionMaker.clientId(i),
                        sessionPresent(mqttPort, PersistentSessionMaker.clientId(i)));
            }
        } finally {
            stop(restarted);
        }
    }

    private static Process start(Path conf) throws IOException {
        return new ProcessBuilder("mosquitto", "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(conf.resolveSibling("mosquitto.log").toFile()).start();
    }

    /** Seconds from {@code start} (System.nanoTime() just before the process was started) to a CONNACK. */
    private static double awaitConnect(Process p, int port, long start) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("mosquitto exited with " + p.exitValue());
            }
            Mqtt3BlockingClient c = MqttClient.builder().useMqttVersion3().identifier("probe").serverHost("127.0.0.1")
                    .serverPort(port).buildBlocking();
            try {
                c.connectWith().cleanSession(true).send();
                double s = (System.nanoTime() - start) / 1e9;
                c.disconnect();
                return s;
            } catch (RuntimeException notYet) {
                Thread.sleep(10); // readiness probe interval
            }
        }
        throw new IllegalStateException("mosquitto did not accept a CONNECT within 20 minutes");
    }

    private static boolean sessionPresent(int port, String id) {
        Mqtt3BlockingClient c = MqttClient.builder().useMqttVersion3().identifier(id).serverHost("127.0.0.1")
                .serverPort(port).buildBlocking();
        Mqtt3ConnAck ack = c.connectWith().cleanSession(false).send();
        c.disconnect();
        return ack.isSessionPresent();
    }

    /** SIGTERM (Mosquitto then writes its store) and wait; returns the seconds it took to exit. */
    private static double stop(Process p) throws InterruptedException {
        long t0 = System.nanoTime();
        p.destroy();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("mosquitto did not exit within 10 minutes of SIGTERM");
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static String version() {
        try {
            Process p = new ProcessBuilder("mosquitto", "-h").redirectErrorStream(true).start();
            String first = new String(p.getInputStream().readAllBytes()).lines().findFirst().orElse("mosquitto ?");
            p.waitFor(10, TimeUnit.SECONDS);
            return first.trim();
        } catch (IOException | InterruptedException e) {
            return "mosquitto (version unknown: " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (var s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
