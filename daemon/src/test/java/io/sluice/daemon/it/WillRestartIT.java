package io.sluice.daemon.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A delayed will survives a kill -9 of the node (docs/MQTT.md, "Will messages"): an MQTT 5 client with a persistent
 * session and a Will Delay Interval drops its socket without DISCONNECT; once its will is recorded in the sessions
 * topic the daemon (a child JVM) is killed with -9 and started again. The will is published once its delay is over,
 * and a persistent subscriber of its topic gets it once; a client back to its session within the delay, across the
 * restart, cancels it. Each test restarts the one daemon of the class.
 */
class WillRestartIT {
    private static final TestKafka kafka = TestKafka.shared();
    @TempDir
    static Path dir;
    private static DaemonProcess daemon;
    private static String readings;
    private static String sessions;

    @BeforeAll
    static void start() {
        int port = DaemonProcess.freePort();
        String yaml = kafka.daemonYaml("willrestart", port);
        readings = kafka.readingsTopicOf(yaml);
        Matcher m = Pattern.compile("sessions_topic: (\\S+)").matcher(yaml);
        assertTrue(m.find());
        sessions = m.group(1);
        daemon = new DaemonProcess(dir, yaml, port, List.of("-Xmx256m")).start();
    }

    @AfterAll
    static void stop() {
        daemon.close();
    }

    @Test
    void aWillWaitingAcrossAKill9_isPublishedOnceAfterItsDelay_andItsSubscriberGetsItOnce() throws Exception {
        Mqtt5BlockingClient sub = Clients.v5("willrestart-sub", daemon.port());
        sub.connectWith().cleanStart(true).sessionExpiryInterval(600).send();
        sub.subscribeWith().topicFilter("wills/willrestart-late").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect(); // its session stays, with its subscription: the will is queued for it

        long droppedAtNs = dropWithWill("willrestart-late", "gone-late", 8);
        awaitWillRecorded("willrestart-late");
        daemon.kill();
        daemon.start();

        await("the will in the readings topic").atMost(Duration.ofSeconds(60))
                .until(() -> wills("gone-late").size() == 1);
        long receivedNs = Long.parseLong(Clients.header(wills("gone-late").get(0), "sluice.received_ns"));
        assertTrue(receivedNs - droppedAtNs >= 7_500_000_000L,
                "published " + (receivedNs - droppedAtNs) / 1_000_000 + " ms after the drop, delay 8 s\n"
                        + daemon.log());

        sub = Clients.v5("willrestart-sub", daemon.port());
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.connectWith().cleanStart(false).sessionExpiryInterval(600).send();
            Optional<Mqtt5Publish> will = publishes.receive(30, TimeUnit.SECONDS);
            assertTrue(will.isPresent(), "the subscriber gets the will\n" + daemon.log());
            assertEquals("gone-late", new String(will.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
            assertEquals("wills/willrestart-late", will.get().getTopic().toString());
            assertTrue(publishes.receive(2, TimeUnit.SECONDS).isEmpty(), "once");
        } finally {
            sub.disconnect();
        }
        assertEquals(1, wills("gone-late").size(), "written once");
        assertTrue(recordedWill("willrestart-late").isEmpty(), "its record is deleted once published");
    }

    @Test
    void aClientBackToItsSessionWithinTheDelay_acrossAKill9_cancelsTheWill() throws Exception {
        long droppedAtNs = dropWithWill("willrestart-back", "gone-back", 20);
        long dueAtNs = droppedAtNs + 20_000_000_000L;
        awaitWillRecorded("willrestart-back");
        daemon.kill();
        daemon.start();
        try (RawMqtt back = new RawMqtt(daemon.port())) {
            back.send(connect5("willrestart-back", null, 0));
            byte[] connack = back.readPacket();
            assertEquals(0x20, connack[0] & 0xff);
            assertEquals(1, connack[2] & 1, "session present\n" + daemon.log());
            assertTrue(System.currentTimeMillis() * 1_000_000L < dueAtNs - 1_000_000_000L,
                    "the restart took longer than the will's delay: nothing to cancel\n" + daemon.log());
            long waitMs = (dueAtNs - System.currentTimeMillis() * 1_000_000L) / 1_000_000 + 3_000;
            await().during(Duration.ofMillis(waitMs)).atMost(Duration.ofMillis(waitMs + 5_000))
                    .until(() -> wills("gone-back").isEmpty());
            assertTrue(recordedWill("willrestart-back").isEmpty(), "its record is deleted");
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * An MQTT 5 client {@code clientId} connects with a persistent session (expiry 600 s) and a QoS 1 will to
     * {@code wills/<clientId>} delayed {@code delay} s, then its socket closes without DISCONNECT. Returns when.
     */
    private static long dropWithWill(String clientId, String payload, int delay) throws IOException {
        try (RawMqtt c = new RawMqtt(daemon.port())) {
            c.send(connect5(clientId, payload, delay));
            byte[] connack = c.readPacket();
            assertEquals(0x20, connack[0] & 0xff);
            assertEquals(0, connack[3], "accepted");
        }
        return System.currentTimeMillis() * 1_000_000L;
    }

    /** CONNECT, MQTT 5, clean start 0, session expiry 600 s; with a QoS 1 will when {@code willPayload} is given. */
    private static byte[] connect5(String clientId, String willPayload, int willDelay) {
        ByteArrayOutputStream vh = new ByteArrayOutputStream();
        string(vh, "MQTT");
        vh.write(5);
        vh.write(willPayload == null ? 0x00 : 0x04 | 0x08); // will flag, will QoS 1; clean start 0
        vh.write(0);
        vh.write(60);
        vh.write(5); // properties: Session Expiry Interval 600
        vh.write(0x11);
        int32(vh, 600);
        string(vh, clientId);
        if (willPayload != null) {
            vh.write(5); // will properties: Will Delay Interval
            vh.write(0x18);
            int32(vh, willDelay);
            string(vh, "wills/" + clientId);
            string(vh, willPayload);
        }
        return RawMqtt.frame(0x10, vh.toByteArray());
    }

    private static List<ConsumerRecord<String, byte[]>> wills(String payload) {
        return kafka.readAll(readings).stream()
                .filter(r -> payload.equals(new String(r.value(), StandardCharsets.UTF_8))).toList();
    }

    /** The latest value under {@code clientId}'s will key in the sessions topic; empty when none or deleted. */
    private static Optional<byte[]> recordedWill(String clientId) {
        String key = clientId + "\u0000will";
        byte[] latest = null;
        for (ConsumerRecord<String, byte[]> r : kafka.readAllSettled(sessions)) {
            if (key.equals(r.key())) {
                latest = r.value();
            }
        }
        return Optional.ofNullable(latest);
    }

    private static void awaitWillRecorded(String clientId) {
        await("the will recorded in the sessions topic").atMost(Duration.ofSeconds(30))
                .until(() -> recordedWill(clientId).isPresent());
    }

    private static void int32(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16 & 0xff);
        out.write(v >>> 8 & 0xff);
        out.write(v & 0xff);
    }

    private static void string(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b.length >> 8);
        out.write(b.length & 0xff);
        out.writeBytes(b);
    }
}
