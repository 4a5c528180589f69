package io.sluice.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outbound QoS 2 exactly once across a restart of the node (docs/DELIVERY.md, "QoS 2 across a restart"): a raw-frame
 * persistent subscriber (it decides when PUBREC and PUBCOMP go back) has a QoS 2 copy in flight when the daemon (a
 * child JVM) is killed with -9 or stopped with SIGTERM; after the restart it gets that copy again with the packet id
 * it knows (PUBREL once its PUBREC was taken, PUBLISH with DUP otherwise), never as a new message. Each test restarts
 * the one daemon of the class.
 */
class OutboundQos2RestartIT {
    private static final TestKafka kafka = TestKafka.shared();
    @TempDir
    static Path dir;
    private static DaemonProcess daemon;

    @BeforeAll
    static void start() {
        int port = DaemonProcess.freePort();
        daemon = new DaemonProcess(dir, kafka.daemonYaml("q2out", port), port, List.of("-Xmx256m")).start();
    }

    @AfterAll
    static void stop() {
        daemon.close();
    }

    @Test
    void aPubrecdCopy_afterAKill9_comesBackAsPubrelWithItsPacketId_andNotAsANewMessage() throws Exception {
        int k;
        try (RawMqtt sub = subscriber("q2out-kill", "q2out/kill")) {
            publish("q2out/kill", "first");
            Publish first = readPublish(sub);
            assertEquals("first", first.payload);
            k = first.packetId;
            sub.send(ack(0x50, k)); // PUBREC
            expect(sub.readPacket(), 0x62, k); // PUBREL: the PUBREC is recorded; no PUBCOMP from us
            daemon.kill();
            daemon.start();
        }
        try (RawMqtt sub = new RawMqtt(daemon.port())) {
            assertEquals(1, connectPersistent(sub, "q2out-kill"), "session present\n" + daemon.log());
            expect(sub.readPacket(), 0x62, k); // PUBREL again, not the PUBLISH of "first"
            sub.send(ack(0x70, k)); // PUBCOMP
            publish("q2out/kill", "second");
            Publish next = readPublish(sub);
            assertEquals("second", next.payload, "the next message, and \"first\" not again\n" + daemon.log());
            assertEquals(0, next.flags & 0x08, "a new message: DUP=0");
        }
    }

    @Test
    void aCopyOnlyPublished_afterAGracefulRestart_comesBackWithItsPacketIdAndDup() throws Exception {
        int k;
        try (RawMqtt sub = subscriber("q2out-term", "q2out/term")) {
            publish("q2out/term", "first");
            Publish first = readPublish(sub);
            assertEquals(0, first.flags & 0x08);
            k = first.packetId;
            assertEquals(0, daemon.terminate(Duration.ofSeconds(60)), daemon.log()); // no PUBREC from us
            daemon.start();
        }
        try (RawMqtt sub = new RawMqtt(daemon.port())) {
            assertEquals(1, connectPersistent(sub, "q2out-term"), "session present\n" + daemon.log());
            Publish again = readPublish(sub);
            assertEquals("first", again.payload);
            assertEquals(k, again.packetId, "the packet id the client knows");
            assertEquals(0x08, again.flags & 0x08, "DUP=1");
            sub.send(ack(0x50, k));
            expect(sub.readPacket(), 0x62, k);
            sub.send(ack(0x70, k));
            publish("q2out/term", "second");
            assertEquals("second", readPublish(sub).payload, "the next message, and \"first\" not again");
        }
    }

    @Test
    void aCopyOnlyPublished_afterAKill9_comesBackWithItsPacketIdAndDup() throws Exception {
        int k;
        try (RawMqtt sub = subscriber("q2out-kill-pub", "q2out/kill-pub")) {
            publish("q2out/kill-pub", "first");
            Publish first = readPublish(sub);
            assertEquals(0, first.flags & 0x08);
            k = first.packetId;
            daemon.kill(); // no PUBREC from us: only the record written before the PUBLISH tells the next run
            daemon.start();
        }
        try (RawMqtt sub = new RawMqtt(daemon.port())) {
            assertEquals(1, connectPersistent(sub, "q2out-kill-pub"), "session present\n" + daemon.log());
            Publish again = readPublish(sub);
            assertEquals("first", again.payload);
            assertEquals(k, again.packetId, "the packet id the client knows");
            assertEquals(0x08, again.flags & 0x08, "DUP=1");
            sub.send(ack(0x50, k));
            expect(sub.readPacket(), 0x62, k);
            sub.send(ack(0x70, k));
            publish("q2out/kill-pub", "second");
            assertEquals("second", readPublish(sub).payload, "the next message, and \"first\" not again");
        }
    }

    // ---------------------------------------------------------------- helpers

    private static void publish(String topic, String payload) {
        Mqtt5BlockingClient pub = Clients.v5("q2out-pub", daemon.port());
        pub.connect();
        pub.publishWith().topic(topic).qos(MqttQos.EXACTLY_ONCE).payload(payload.getBytes(StandardCharsets.UTF_8))
                .send();
        pub.disconnect();
    }

    /** A persistent MQTT 3.1.1 session subscribed to {@code filter} at QoS 2 (SUBACK read). */
    private static RawMqtt subscriber(String clientId, String filter) throws IOException {
        RawMqtt c = new RawMqtt(daemon.port());
        connectPersistent(c, clientId);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(0);
        body.write(1);
        string(body, filter);
        body.write(2);
        c.send(RawMqtt.frame(0x82, body.toByteArray()));
        byte[] suback = c.readPacket();
        assertEquals(0x90, suback[0] & 0xff);
        assertEquals(2, suback[4], "granted QoS 2");
        return c;
    }

    /** CONNECT, MQTT 3.1.1, clean session 0; returns the CONNACK's session-present flag. */
    private static int connectPersistent(RawMqtt c, String clientId) throws IOException {
        ByteArrayOutputStream vh = new ByteArrayOutputStream();
        string(vh, "MQTT");
        vh.write(4);
        vh.write(0x00);
        vh.write(0);
        vh.write(60);
        string(vh, clientId);
        c.send(RawMqtt.frame(0x10, vh.toByteArray()));
        byte[] connack = c.readPacket();
        assertEquals(0x20, connack[0] & 0xff);
        assertEquals(0, connack[3], "accepted");
        return connack[2] & 1;
    }

    private record Publish(int flags, int packetId, String payload) {
    }

    /** The next packet, which must be a QoS 2 PUBLISH (MQTT 3.1.1). */
    private static Publish readPublish(RawMqtt c) throws IOException {
        byte[] p = c.readPacket();
        assertEquals(0x30, p[0] & 0xf0, "a PUBLISH: " + Arrays.toString(p));
        assertEquals(0x04, p[0] & 0x06, "QoS 2");
        int topicLength = ((p[2] & 0xff) << 8) | (p[3] & 0xff);
        int at = 4 + topicLength;
        int packetId = ((p[at] & 0xff) << 8) | (p[at + 1] & 0xff);
        return new Publish(p[0] & 0x0f, packetId, new String(p, at + 2, p.length - at - 2, StandardCharsets.UTF_8));
    }

    private static byte[] ack(int firstByte, int packetId) {
        return RawMqtt.frame(firstByte, new byte[] {(byte) (packetId >> 8), (byte) packetId});
    }

    private static void expect(byte[] packet, int firstByte, int packetId) {
        assertEquals(firstByte, packet[0] & 0xff, "packet type: " + Arrays.toString(packet));
        assertEquals(packetId, ((packet[2] & 0xff) << 8) | (packet[3] & 0xff), "packet id");
    }

    private static void string(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b.length >> 8);
        out.write(b.length & 0xff);
        out.writeBytes(b);
    }
}
