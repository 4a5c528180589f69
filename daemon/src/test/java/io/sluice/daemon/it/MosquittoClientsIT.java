package io.sluice.daemon.it;

import static io.sluice.daemon.it.Clients.header;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sluice.daemon.SluiceDaemon;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interoperability with an independent MQTT client: Debian's {@code mosquitto_pub} (mosquitto-clients, installed by
 * {@code .ci/run}) publishes QoS 1 in MQTT 3.1.1 and 5 through the real daemon into real Kafka, and is refused with the
 * spec's answer where a bound applies. mosquitto_pub exits 0 for QoS 1 only once every PUBACK arrived.
 */
class MosquittoClientsIT {
    private static final Path MOSQUITTO_PUB = Path.of("/usr/bin/mosquitto_pub");
    private TestKafka kafka;
    private SluiceDaemon daemon;

    @BeforeAll
    static void needsMosquittoClients() {
        boolean present = Files.isExecutable(MOSQUITTO_PUB);
        if (!present && "true".equals(System.getenv("CI"))) {
            fail("mosquitto_pub not found: .ci/run installs Debian's mosquitto-clients");
        }
        assumeTrue(present, "mosquitto_pub not installed (apt-get install mosquitto-clients)");
    }

    @BeforeEach
    void start() {
        kafka = TestKafka.shared();
        daemon = SluiceDaemon.start(kafka.daemonConfig("mosquitto"));
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    @Test
    void mosquittoPub_qos1_inMqtt311And5_everyMessageAcknowledged_andInKafka() throws Exception {
        Result v311 = pub("-V", "mqttv311", "-i", "mosq-311", "-q", "1", "-t", "sensors/m311/temperature",
                "-m", "{\"celsius\":21.5}", "--repeat", "5", "--repeat-delay", "0");
        assertEquals(0, v311.exit, v311.output);
        Result v5 = pub("-V", "mqttv5", "-i", "mosq-5", "-q", "1", "-t", "sensors/m5/humidity",
                "-m", "{\"rh\":40}", "-D", "publish", "user-property", "site", "north",
                "-D", "publish", "content-type", "application/json", "--repeat", "5", "--repeat-delay", "0");
        assertEquals(0, v5.exit, v5.output);

        List<ConsumerRecord<String, byte[]>> records = kafka.readAll(daemon.config().kafka().readingsTopic());
        assertEquals(10, records.size(), "every acknowledged message is in Kafka once");
        long from311 = records.stream().filter(r -> "mosq-311".equals(r.key())).count();
        assertEquals(5, from311);
        ConsumerRecord<String, byte[]> r5 = records.stream().filter(r -> "mosq-5".equals(r.key())).findFirst()
                .orElseThrow();
        assertEquals("{\"rh\":40}", new String(r5.value(), StandardCharsets.UTF_8));
        assertEquals("5", header(r5, "sluice.protocol_version"));
        assertEquals("sensors/m5/humidity", header(r5, "sluice.topic"));
        assertEquals("application/json", header(r5, "sluice.content_type"));
    }

    @Test
    void mosquittoPub_withClientIdLongerThanTheBound_isRefused_inMqtt5And311_andNothingWritten() throws Exception {
        String longId = "x".repeat(daemon.config().mqtt().maxClientIdBytes() + 1);
        Result v5 = pub("-V", "mqttv5", "-i", longId, "-q", "1", "-t", "sensors/a/b", "-m", "1");
        assertNotEquals(0, v5.exit, v5.output);
        assertTrue(v5.output.toLowerCase().contains("client identifier not valid"), v5.output);
        Result v311 = pub("-V", "mqttv311", "-i", longId, "-q", "1", "-t", "sensors/a/b", "-m", "1");
        assertNotEquals(0, v311.exit, v311.output);
        assertTrue(v311.output.toLowerCase().contains("identifier rejected"), v311.output);
        assertEquals(0, kafka.readAll(daemon.config().kafka().readingsTopic()).size());
    }

    @Test
    void mosquittoPub311_packetAboveTheMaximum_isClosed_andOtherClientsContinue(@TempDir Path dir) throws Exception {
        Path big = dir.resolve("big.bin");
        Files.write(big, new byte[daemon.config().mqtt().maxPacketSizeBytes() + 1]);
        Result bad = pub("-V", "mqttv311", "-i", "mosq-big", "-q", "1", "-t", "sensors/big/x", "-f", big.toString());
        assertNotEquals(0, bad.exit, bad.output);
        Result good = pub("-V", "mqttv311", "-i", "mosq-good", "-q", "1", "-t", "sensors/ok/x", "-m", "2");
        assertEquals(0, good.exit, good.output);
        List<ConsumerRecord<String, byte[]>> records = kafka.readAll(daemon.config().kafka().readingsTopic());
        assertEquals(List.of("mosq-good"), records.stream().map(ConsumerRecord::key).toList());
    }

    private Result pub(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(MOSQUITTO_PUB.toString());
        cmd.addAll(List.of("-h", "127.0.0.1", "-p", String.valueOf(daemon.mqttPort())));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("mosquitto_pub did not finish within 60 s: " + String.join(" ", cmd));
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.exitValue(), String.join(" ", cmd).replaceAll("x{50,}", "x...") + "\n" + output);
    }

    private record Result(int exit, String output) {
    }
}
