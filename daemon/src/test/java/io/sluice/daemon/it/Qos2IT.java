package io.sluice.daemon.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MQTT QoS 2 exactly once into the readings topic, through the real daemon (a child JVM, so it can be killed with -9)
 * into real Kafka: the HiveMQ client and mosquitto_pub complete the flow; raw frames retransmit a PUBLISH before its
 * PUBREL, after a reconnect and after a kill -9 of the daemon, and each message is in the topic once (read committed,
 * as the fan-out reads it).
 */
class Qos2IT {
    private static final Path MOSQUITTO_PUB = Path.of("/usr/bin/mosquitto_pub");
    private static final TestKafka kafka = TestKafka.shared();
    @TempDir
    static Path dir;
    private static DaemonProcess daemon;
    private static String readings;

    @BeforeAll
    static void start() {
        int port = DaemonProcess.freePort();
        String yaml = kafka.daemonYaml("qos2", port);
        readings = kafka.readingsTopicOf(yaml);
        daemon = new DaemonProcess(dir, yaml, port, List.of("-Xmx256m")).start();
    }

    @AfterAll
    static void stop() {
        daemon.close();
    }

    /**
     * Records of {@code clientId} with {@code payload} in the readings topic, read committed once the transactions
     * open now are finished (a commit is acknowledged before its markers are written).
     */
    private static long written(String clientId, String payload) {
        return kafka.readAllSettled(readings).stream().filter(r -> clientId.equals(r.key()))
                .filter(r -> payload.equals(new String(r.value(), StandardCharsets.UTF_8))).count();
    }

    @Test
    void hivemqClients_qos2_inMqtt311And5_completeTheFlow_andEachMessageIsWrittenOnce() {
        Mqtt5BlockingClient v5 = Clients.v5("hive-q2-5", daemon.port());
        Mqtt5ConnAck ack = v5.connect();
        assertEquals(MqttQos.EXACTLY_ONCE, ack.getRestrictions().getMaximumQos(), "CONNACK leaves Maximum QoS out");
        Mqtt3BlockingClient v3 = Clients.v3("hive-q2-3", daemon.port());
        v3.connect();
        for (int i = 0; i < 5; i++) {
            v5.publishWith().topic("sensors/q2/5").qos(MqttQos.EXACTLY_ONCE).payload(("h5-" + i).getBytes()).send();
            v3.publishWith().topic("sensors/q2/3").qos(MqttQos.EXACTLY_ONCE).payload(("h3-" + i).getBytes()).send();
        }
        v5.disconnect();
        v3.disconnect();
        List<ConsumerRecord<String, byte[]>> all = kafka.readAllSettled(readings);
        for (int i = 0; i < 5; i++) {
            assertEquals(1, written("hive-q2-5", "h5-" + i), "h5-" + i);
            assertEquals(1, written("hive-q2-3", "h3-" + i), "h3-" + i);
        }
        ConsumerRecord<String, byte[]> one = all.stream().filter(r -> "hive-q2-5".equals(r.key())).findFirst()
                .orElseThrow();
        assertEquals("2", Clients.header(one, "sluice.qos"), "the record says QoS 2");
    }

    @Test
    void mosquittoPub_qos2_inMqtt311And5_exitsZero_andEachMessageIsWrittenOnce() throws Exception {
        assertTrue(Files.isExecutable(MOSQUITTO_PUB) || !"true".equals(System.getenv("CI")),
                ".ci/run installs Debian's mosquitto-clients");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(MOSQUITTO_PUB), "mosquitto_pub not installed");
        for (String v : List.of("mqttv311", "mqttv5")) {
            String id = "mosq-q2-" + v;
            // mosquitto_pub exits 0 for QoS 2 only once every PUBCOMP arrived
            Result r = pub("-V", v, "-i", id, "-q", "2", "-t", "sensors/mq2/" + v, "-m", "m-" + v, "--repeat", "3",
                    "--repeat-delay", "0");
            assertEquals(0, r.exit, r.output);
            assertEquals(3, kafka.readAllSettled(readings).stream().filter(rec -> id.equals(rec.key())).count(), r.output);
        }
    }

    @Test
    void retransmission_beforePubrel_isAnsweredPubrec_andWrittenOnce() throws Exception {
        try (RawMqtt c = new RawMqtt(daemon.port())) {
            connectPersistent(c, 4, "raw-q2-a");
            c.send(publishQos2(4, 11, false, "before-pubrel"));
            expect(c.readPacket(), 0x50, 11);
            c.send(publishQos2(4, 11, true, "before-pubrel"));
            expect(c.readPacket(), 0x50, 11);
            c.send(pubRel(11));
            expect(c.readPacket(), 0x70, 11);
        }
        assertEquals(1, written("raw-q2-a", "before-pubrel"));
    }

    @Test
    void retransmission_afterAReconnect_isWrittenOnce_andItsPubrelCompletes() throws Exception {
        try (RawMqtt c = new RawMqtt(daemon.port())) {
            connectPersistent(c, 5, "raw-q2-b");
            c.send(publishQos2(5, 12, false, "after-reconnect"));
            expect(c.readPacket(), 0x50, 12);
        } // dropped before PUBREL
        try (RawMqtt c = new RawMqtt(daemon.port())) {
            assertEquals(1, connectPersistent(c, 5, "raw-q2-b"), "session present");
            c.send(publishQos2(5, 12, true, "after-reconnect"));
            expect(c.readPacket(), 0x50, 12);
            c.send(pubRel(12));
            expect(c.readPacket(), 0x70, 12);
        }
        assertEquals(1, written("raw-q2-b", "after-reconnect"));
    }

    @Test
    void retransmission_afterAKill9OfTheDaemon_isWrittenOnce() throws Exception {
        try (RawMqtt c = new RawMqtt(daemon.port())) {
            connectPersistent(c, 4, "raw-q2-c");
            c.send(publishQos2(4, 13, false, "after-kill"));
            expect(c.readPacket(), 0x50, 13);
            daemon.kill();
            daemon.start();
        }
        try (RawMqtt c = new RawMqtt(daemon.port())) {
            assertEquals(1, connectPersistent(c, 4, "raw-q2-c"), "session present\n" + daemon.log());
            c.send(publishQos2(4, 13, true, "after-kill"));
            expect(c.readPacket(), 0x50, 13);
            c.send(pubRel(13));
            expect(c.readPacket(), 0x70, 13);
            // the id is free again: a new message with it is written
            c.send(publishQos2(4, 13, false, "after-kill-new"));
            expect(c.readPacket(), 0x50, 13);
        }
        assertEquals(1, written("raw-q2-c", "after-kill"), daemon.log());
        assertEquals(1, written("raw-q2-c", "after-kill-new"));
    }

    /** Connects with a persistent session (MQTT 5: expiry 3600 s); returns the CONNACK's session-present flag. */
    private static int connectPersistent(RawMqtt c, int level, String clientId) throws IOException {
        ByteArrayOutputStream vh = new ByteArrayOutputStream();
        string(vh, "MQTT");
        vh.write(level);
        vh.write(0x00); // no clean session / clean start
        vh.write(0);
        vh.write(60);
        if (level == 5) {
            vh.writeBytes(new byte[] {5, 0x11, 0, 0, 0x0e, 0x10}); // session expiry interval 3600
        }
        string(vh, clientId);
        c.send(RawMqtt.frame(0x10, vh.toByteArray()));
        byte[] connack = c.readPacket();
        assertEquals(0x20, connack[0] & 0xff);
        assertEquals(0, connack[3], "accepted");
        return connack[2] & 1;
    }

    private static byte[] publishQos2(int level, int packetId, boolean dup, String payload) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, "sensors/raw/q2");
        body.write(packetId >> 8);
        body.write(packetId & 0xff);
        if (level == 5) {
            body.write(0);
        }
        body.writeBytes(payload.getBytes(StandardCharsets.UTF_8));
        return RawMqtt.frame(0x34 | (dup ? 0x08 : 0), body.toByteArray());
    }

    private static byte[] pubRel(int packetId) {
        return RawMqtt.frame(0x62, new byte[] {(byte) (packetId >> 8), (byte) packetId});
    }

    /** A PUBREC (0x50) or PUBCOMP (0x70) of {@code packetId} with success (no reason code, or 0x00). */
    private static void expect(byte[] packet, int type, int packetId) {
        assertEquals(type, packet[0] & 0xff, "packet type");
        assertArrayEquals(new byte[] {(byte) (packetId >> 8), (byte) packetId}, new byte[] {packet[2], packet[3]});
        if (packet.length > 4) {
            assertEquals(0, packet[4], "reason code");
        }
    }

    private static void string(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b.length >> 8);
        out.write(b.length & 0xff);
        out.writeBytes(b);
    }

    private Result pub(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(MOSQUITTO_PUB.toString());
        cmd.addAll(List.of("-h", "127.0.0.1", "-p", String.valueOf(daemon.port())));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("mosquitto_pub did not finish within 60 s: " + String.join(" ", cmd));
        }
        return new Result(p.exitValue(), String.join(" ", cmd) + "\n"
                + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private record Result(int exit, String output) {
    }
}
