package io.sluice.daemon.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sluice.daemon.SluiceDaemon;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MQTT 5 Will Delay Interval with a real client: {@code mosquitto_sub} with a will and a will delay, killed with -9 so
 * its socket drops without DISCONNECT. The will reaches the readings topic once the delay is over, not before; a
 * reconnect of the same client id to its session within the delay cancels it.
 */
class WillDelayIT {
    private static final Path MOSQUITTO_SUB = Path.of("/usr/bin/mosquitto_sub");
    private static SluiceDaemon daemon;
    private final List<Process> clients = new ArrayList<>();

    @BeforeAll
    static void start() {
        boolean present = Files.isExecutable(MOSQUITTO_SUB);
        if (!present && "true".equals(System.getenv("CI"))) {
            fail("mosquitto_sub not found: .ci/run installs Debian's mosquitto-clients");
        }
        assumeTrue(present, "mosquitto_sub not installed (apt-get install mosquitto-clients)");
        daemon = SluiceDaemon.start(TestKafka.shared().daemonConfig("wills"));
    }

    @AfterAll
    static void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @AfterEach
    void killClients() {
        clients.forEach(Process::destroyForcibly);
    }

    private static List<ConsumerRecord<String, byte[]>> wills(String payload) {
        return TestKafka.shared().readAll(daemon.config().kafka().readingsTopic()).stream()
                .filter(r -> payload.equals(new String(r.value(), StandardCharsets.UTF_8))).toList();
    }

    /** mosquitto_sub in MQTT 5 with a persistent session and a will delayed {@code delay} s; returns once subscribed. */
    private Process subscriberWithWill(String clientId, String willPayload, int delay) throws IOException {
        // stdbuf: its debug lines (CONNACK, SUBACK) come line by line, not when a pipe's buffer fills
        List<String> cmd = List.of("stdbuf", "-oL", MOSQUITTO_SUB.toString(), "-h", "127.0.0.1", "-p", String.valueOf(daemon.mqttPort()),
                "-V", "mqttv5", "-i", clientId, "-c", "-x", "600", "-t", "commands/" + clientId, "-d",
                "--will-topic", "wills/" + clientId, "--will-payload", willPayload, "--will-qos", "1",
                "-D", "will", "will-delay-interval", String.valueOf(delay));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start(); // stdbuf execs: p is mosquitto_sub
        clients.add(p);
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        StringBuilder seen = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                String line = lines.poll(1, TimeUnit.SECONDS);
                if (line != null) {
                    seen.append(line).append('\n');
                    if (line.contains("SUBACK")) {
                        return p;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        fail("mosquitto_sub did not subscribe within 30 s: " + String.join(" ", cmd) + "\n" + seen);
        return p;
    }

    private static void kill9(Process p) throws InterruptedException {
        p.destroyForcibly(); // SIGKILL: the kernel closes the socket, no DISCONNECT is sent
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    }

    @Test
    void droppedSocket_willIsWrittenOnceTheDelayIsOver_notBefore() throws Exception {
        Process sub = subscriberWithWill("will-late", "gone-late", 3);
        kill9(sub);
        long droppedAtNs = System.currentTimeMillis() * 1_000_000L;
        await().atMost(Duration.ofSeconds(30)).until(() -> wills("gone-late").size() == 1);
        ConsumerRecord<String, byte[]> will = wills("gone-late").get(0);
        assertEquals("wills/will-late", Clients.header(will, "sluice.topic"));
        long receivedNs = Long.parseLong(Clients.header(will, "sluice.received_ns"));
        assertTrue(receivedNs - droppedAtNs >= 2_500_000_000L,
                "published " + (receivedNs - droppedAtNs) / 1_000_000 + " ms after the drop, delay 3 s");
    }

    @Test
    void reconnectWithinTheDelay_cancelsTheWill() throws Exception {
        Process first = subscriberWithWill("will-back", "gone-back", 4);
        kill9(first);
        Process second = subscriberWithWill("will-back", "gone-back-2", 300); // back to its session within 4 s
        // past the first will's delay: nothing was written
        await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8)).until(() -> wills("gone-back").isEmpty());
        second.destroyForcibly();
    }
}
