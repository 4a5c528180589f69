package io.sluice.daemon.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.config.ConfigLoader;
import io.sluice.daemon.config.SluiceConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Malformed input on raw sockets gets the spec's answer, while a well-behaved client on the same daemon keeps
 * publishing QoS 1 undisturbed: it is never disconnected and every one of its messages is acknowledged and in Kafka.
 */
class MalformedInputIT {
    private static final int MAX_PACKET = 1024;
    private static final int ARRIVAL_TIMEOUT_MS = 1500;
    private static TestKafka kafka;
    private static SluiceDaemon daemon;
    private static Mqtt5AsyncClient goodClient;
    private static final AtomicInteger goodDisconnects = new AtomicInteger();
    private static final Set<String> goodAcked = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean publishing = new AtomicBoolean(true);
    private static Thread publisher;

    @BeforeAll
    static void startDaemonAndAWellBehavedClient() {
        kafka = TestKafka.shared();
        SluiceConfig base = kafka.daemonConfig("malformed");
        Map<String, String> settings = new HashMap<>(Map.of(
                "node_id", "malformed-node", "mqtt.host", "127.0.0.1", "mqtt.port", "0",
                "mqtt.max_packet_size_bytes", Integer.toString(MAX_PACKET),
                "kafka.bootstrap_servers", kafka.bootstrap(),
                "kafka.readings_topic", base.kafka().readingsTopic(),
                "kafka.sessions_topic", base.kafka().sessionsTopic(),
                "kafka.topic_replication_factor", "1", "kafka.topic_min_insync_replicas", "1"));
        settings.putAll(TestKafka.adminSettings());
        settings.put("mqtt.packet_arrival_timeout_ms", Integer.toString(ARRIVAL_TIMEOUT_MS));
        daemon = SluiceDaemon.start(ConfigLoader.fromMap(settings));
        goodClient = MqttClient.builder().useMqttVersion5().identifier("good-citizen").serverHost("127.0.0.1")
                .serverPort(daemon.mqttPort()).addDisconnectedListener(c -> goodDisconnects.incrementAndGet())
                .buildAsync();
        goodClient.connect().join();
        publisher = Thread.ofPlatform().name("good-citizen").start(() -> {
            int seq = 0;
            while (publishing.get()) {
                String payload = "good-" + seq++;
                goodClient.publishWith().topic("sensors/good").qos(MqttQos.AT_LEAST_ONCE)
                        .payload(payload.getBytes(StandardCharsets.UTF_8)).send()
                        .thenRun(() -> goodAcked.add(payload)).join();
            }
        });
    }

    @AfterAll
    static void wellBehavedClientWasNeverDisturbed() throws Exception {
        publishing.set(false);
        publisher.join(30_000);
        assertEquals(0, goodDisconnects.get(), "the well-behaved client was disconnected");
        assertTrue(goodAcked.size() > 10, "the well-behaved client kept publishing: " + goodAcked.size());
        Set<String> inKafka = ConcurrentHashMap.newKeySet();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            kafka.readAll(daemon.config().kafka().readingsTopic())
                    .forEach(r -> inKafka.add(new String(r.value(), StandardCharsets.UTF_8)));
            return inKafka.containsAll(goodAcked);
        });
        goodClient.disconnect().join();
        daemon.close();
    }

    @Test
    void badRemainingLength_closesTheConnection() throws Exception {
        try (RawMqtt raw = new RawMqtt(daemon.mqttPort())) {
            raw.send(new byte[] {0x10, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f});
            assertTrue(raw.closedByServer());
        }
        awaitEvent("malformed_packet");
    }

    @Test
    void publishBeforeConnect_closesWithoutAnswer() throws Exception {
        try (RawMqtt raw = new RawMqtt(daemon.mqttPort())) {
            raw.send(RawMqtt.publishQos0(4, "a/b".getBytes(StandardCharsets.UTF_8), new byte[] {1}));
            assertTrue(raw.closedByServer());
        }
        awaitEvent("publish_before_connack");
    }

    @Test
    void wrongProtocolName_getsConnackUnacceptableProtocol_thenClose() throws Exception {
        try (RawMqtt raw = new RawMqtt(daemon.mqttPort())) {
            raw.send(RawMqtt.connect("MQTX", 4, "liar"));
            assertArrayEquals(new byte[] {0x20, 0x02, 0x00, 0x01}, raw.read(4));
            assertTrue(raw.closedByServer());
        }
    }

    @Test
    void oversizedPacket_mqtt5_getsDisconnectPacketTooLarge() throws Exception {
        try (RawMqtt raw = new RawMqtt(daemon.mqttPort())) {
            raw.send(RawMqtt.connect(5, "big-v5"));
            byte[] connack = raw.read(2);
            assertEquals(0x20, connack[0] & 0xff);
            raw.read(connack[1] & 0xff); // CONNACK body with properties
            raw.send(RawMqtt.publishQos0(5, "big/one".getBytes(StandardCharsets.UTF_8), new byte[MAX_PACKET * 4]));
            byte[] disconnect = raw.readPacket();
            assertEquals(0xE0, disconnect[0] & 0xff, "DISCONNECT");
            assertEquals(0x95, disconnect[2] & 0xff, "reason code 0x95 packet too large");
            assertTrue(raw.closedByServer());
        }
    }

    @Test
    void oversizedPacket_mqtt311_closesTheConnection() throws Exception {
        try (RawMqtt raw = new RawMqtt(daemon.mqttPort())) {
            raw.send(RawMqtt.connect(4, "big-v3"));
            assertArrayEquals(new byte[] {0x20, 0x02, 0x00, 0x00}, raw.read(4));
            raw.send(RawMqtt.publishQos0(4, "big/one".getBytes(StandardCharsets.UTF_8), new byte[MAX_PACKET * 4]));
            assertTrue(raw.closedByServer());
        }
    }

    @Test
    void invalidUtf8Topic_isAMalformedPacket() throws Exception {
        try (RawMqtt raw = new RawMqtt(daemon.mqttPort())) {
            raw.send(RawMqtt.connect(5, "utf8-v5"));
            byte[] connack = raw.read(2);
            raw.read(connack[1] & 0xff);
            raw.send(RawMqtt.publishQos0(5, new byte[] {'a', '/', (byte) 0xC3, 0x28}, new byte[] {1}));
            byte[] disconnect = raw.readPacket();
            assertEquals(0xE0, disconnect[0] & 0xff, "DISCONNECT");
            assertEquals(0x81, disconnect[2] & 0xff, "reason code 0x81 malformed packet");
            assertTrue(raw.closedByServer());
        }
        try (RawMqtt raw = new RawMqtt(daemon.mqttPort())) {
            raw.send(RawMqtt.connect(4, "utf8-v3"));
            raw.read(4);
            raw.send(RawMqtt.publishQos0(4, new byte[] {'a', '/', (byte) 0xC3, 0x28}, new byte[] {1}));
            assertTrue(raw.closedByServer());
        }
    }

    @Test
    void wildcardInPublishTopic_mqtt5_getsDisconnectTopicNameInvalid() throws Exception {
        try (RawMqtt raw = new RawMqtt(daemon.mqttPort())) {
            raw.send(RawMqtt.connect(5, "wild-v5"));
            byte[] connack = raw.read(2);
            raw.read(connack[1] & 0xff);
            raw.send(RawMqtt.publishQos0(5, "a/+/b".getBytes(StandardCharsets.UTF_8), new byte[] {1}));
            byte[] disconnect = raw.readPacket();
            assertEquals(0xE0, disconnect[0] & 0xff, "DISCONNECT");
            assertEquals(0x90, disconnect[2] & 0xff, "reason code 0x90 topic name invalid");
            assertTrue(raw.closedByServer());
        }
        try (RawMqtt raw = new RawMqtt(daemon.mqttPort())) {
            raw.send(RawMqtt.connect(4, "wild-v3"));
            raw.read(4);
            raw.send(RawMqtt.publishQos0(4, "a/#".getBytes(StandardCharsets.UTF_8), new byte[] {1}));
            assertTrue(raw.closedByServer());
        }
    }

    @Test
    void unsupportedProtocolLevel_getsConnackUnacceptableProtocol() throws Exception {
        try (RawMqtt raw = new RawMqtt(daemon.mqttPort())) {
            raw.send(RawMqtt.connect(9, "future"));
            assertArrayEquals(new byte[] {0x20, 0x02, 0x00, 0x01}, raw.read(4));
            assertTrue(raw.closedByServer());
        }
    }

    @Test
    void partialPacket_mqtt5_getsDisconnect0x83_onceThePacketArrivalTimeoutPasses() throws Exception {
        try (RawMqtt raw = new RawMqtt(daemon.mqttPort())) {
            raw.send(RawMqtt.connect(5, "loris-v5"));
            byte[] connack = raw.read(2);
            raw.read(connack[1] & 0xff);
            byte[] publish = RawMqtt.publishQos0(5, "loris/one".getBytes(StandardCharsets.UTF_8), new byte[500]);
            long started = System.nanoTime();
            raw.send(java.util.Arrays.copyOf(publish, 20)); // the start of a packet, and then nothing
            byte[] disconnect = raw.readPacket();
            long waitedMs = (System.nanoTime() - started) / 1_000_000;
            assertEquals(0xE0, disconnect[0] & 0xff, "DISCONNECT");
            assertEquals(0x83, disconnect[2] & 0xff, "reason code 0x83 implementation specific error");
            assertTrue(waitedMs >= ARRIVAL_TIMEOUT_MS - 100, "closed by the arrival limit, after " + waitedMs + " ms");
            assertTrue(raw.closedByServer());
        }
        awaitEvent("packet_arrival_timeout");
    }

    @Test
    void partialPacket_beforeConnect_isClosed_onceThePacketArrivalTimeoutPasses() throws Exception {
        try (RawMqtt raw = new RawMqtt(daemon.mqttPort())) {
            byte[] connect = RawMqtt.connect(4, "loris-v3");
            raw.send(java.util.Arrays.copyOf(connect, connect.length - 3));
            assertTrue(raw.closedByServer(), "closed well before the 10 s connect timeout and the socket timeout");
        }
        awaitEvent("packet_arrival_timeout");
    }

    private static void awaitEvent(String event) {
        await().atMost(Duration.ofSeconds(5)).until(() -> daemon.mqttStats().event(event) > 0);
    }
}
