package io.sluice.daemon.it;

import static io.sluice.udp.MqttSnTestClient.connect;
import static io.sluice.udp.MqttSnTestClient.publish;
import static io.sluice.udp.MqttSnTestClient.register;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.config.ConfigLoader;
import io.sluice.daemon.config.SluiceConfig;
import io.sluice.udp.MqttSnTestClient;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The UDP endpoints against real Kafka: the MQTT-SN gateway's QoS 1 promise (PUBACK only once Kafka holds the
 * reading, none while the broker is down, a DUP retransmission written once), QoS -1 with a predefined topic id,
 * line-protocol datagrams with good and bad lines, and seeded random and mutated datagrams that disturb nobody.
 */
class UdpIngestIT {
    private static final int PUBACK = 0x0D;

    private static SluiceConfig udpConfig(TestKafka kafka, String name, Map<String, String> extra) {
        SluiceConfig base = kafka.daemonConfig(name);
        Map<String, String> s = new HashMap<>(TestKafka.adminSettings());
        s.putAll(Map.of(
                "node_id", "udp-node",
                "mqtt.host", "127.0.0.1",
                "mqtt.port", "0",
                "kafka.bootstrap_servers", kafka.bootstrap(),
                "kafka.readings_topic", base.kafka().readingsTopic(),
                "kafka.sessions_topic", base.kafka().sessionsTopic(),
                "kafka.topic_partitions", "3",
                "kafka.topic_replication_factor", "1",
                "kafka.topic_min_insync_replicas", "1"));
        s.putAll(Map.of("mqtt_sn.enabled", "true", "mqtt_sn.host", "127.0.0.1", "mqtt_sn.port", "0",
                "mqtt_sn.predefined_topics", "{7: sensors/predefined}",
                "line_udp.enabled", "true", "line_udp.host", "127.0.0.1", "line_udp.port", "0"));
        s.putAll(extra);
        return ConfigLoader.fromMap(s);
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        return Clients.header(r, name);
    }

    private static List<String> payloads(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }

    /** The PUBACK for {@code msgId} within 3 s, skipping late answers to earlier retransmissions; null if none. */
    private static byte[] pubackFor(MqttSnTestClient client, int msgId) throws java.io.IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < deadline) {
            byte[] r = client.receiveWithin((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            if (r != null && r.length >= 7 && (r[1] & 0xff) == PUBACK && (((r[4] & 0xff) << 8) | (r[5] & 0xff)) == msgId) {
                return r;
            }
        }
        return null;
    }

    private static int topicIdOf(byte[] regack) {
        return ((regack[2] & 0xff) << 8) | (regack[3] & 0xff);
    }

    @Test
    void mqttSnQos1_pubackOnlyOnceInKafka_noneWhileBrokerDown_andADupAfterRecoveryIsWrittenOnce() throws Exception {
        try (TestKafka kafka = TestKafka.ownSingleBroker();
             SluiceDaemon daemon = SluiceDaemon.start(udpConfig(kafka, "sn-outage", Map.of()));
             MqttSnTestClient client = new MqttSnTestClient(daemon.mqttSn().port())) {
            String topic = daemon.config().kafka().readingsTopic();
            client.send(connect("sn-dev-1", true));
            assertArrayEquals(new byte[] {3, 0x05, 0}, client.receive());
            client.send(register(1, "sensors/sn-dev-1/temp"));
            int topicId = topicIdOf(client.receive());

            client.send(publish(1, false, 0, topicId, 10, "before-outage"));
            assertArrayEquals(new byte[] {7, PUBACK, (byte) (topicId >> 8), (byte) topicId, 0, 10, 0}, client.receive());
            // the PUBACK came: the record is in Kafka now, with MQTT-SN's headers and the sender address
            ConsumerRecord<String, byte[]> rec = kafka.readAll(topic).stream()
                    .filter(r -> new String(r.value(), StandardCharsets.UTF_8).equals("before-outage")).findFirst()
                    .orElseThrow();
            assertEquals("sn-dev-1", rec.key());
            assertEquals("mqtt-sn", header(rec, "sluice.protocol"));
            assertEquals("sensors/sn-dev-1/temp", header(rec, "sluice.topic"));
            assertEquals("1", header(rec, "sluice.qos"));
            assertEquals("127.0.0.1:" + client.localPort(), header(rec, "sluice.source"));

            kafka.stopBroker();
            client.send(publish(1, false, 0, topicId, 11, "during-outage"));
            assertNull(client.receiveWithin(5_000), "no PUBACK while the broker is down");
            client.send(publish(1, true, 0, topicId, 11, "during-outage")); // the client's retransmission
            assertNull(client.receiveWithin(2_000), "a DUP of a reading still on its way is not answered early");

            kafka.startBroker();
            byte[] ack = client.receiveWithin(90_000);
            assertNotNull(ack, "PUBACK once the broker is back");
            assertArrayEquals(new byte[] {7, PUBACK, (byte) (topicId >> 8), (byte) topicId, 0, 11, 0}, ack);
            client.send(publish(1, true, 0, topicId, 11, "during-outage")); // a late DUP after recovery
            assertArrayEquals(ack, client.receiveWithin(10_000), "a DUP of a delivered reading is acknowledged");
            assertEquals(1, payloads(kafka.readAll(topic)).stream().filter("during-outage"::equals).count(),
                    "written once");
            assertTrue(daemon.mqttSn().stats().event("duplicate") >= 1);
        }
    }

    @Test
    void mqttSnReusedMsgIdWithNewPayload_isInKafka_aTrueDupIsNot_andAClientPastMaxClientsGetsCongestion()
            throws Exception {
        TestKafka kafka = TestKafka.shared();
        try (SluiceDaemon daemon = SluiceDaemon.start(udpConfig(kafka, "sn-reuse", Map.of("mqtt_sn.max_clients", "1")));
             MqttSnTestClient client = new MqttSnTestClient(daemon.mqttSn().port());
             MqttSnTestClient late = new MqttSnTestClient(daemon.mqttSn().port())) {
            String topic = daemon.config().kafka().readingsTopic();
            client.send(connect("sn-radio", true));
            assertArrayEquals(new byte[] {3, 0x05, 0}, client.receive());
            client.send(register(1, "sensors/sn-radio/temp"));
            int topicId = topicIdOf(client.receive());
            client.send(publish(1, false, 0, topicId, 5, "first-use-of-5"));
            assertNotNull(pubackFor(client, 5));
            // id 5 again for a new reading whose first copy was lost on the radio: only the DUP arrives
            client.send(publish(1, true, 0, topicId, 5, "second-use-of-5"));
            assertNotNull(pubackFor(client, 5));
            client.send(publish(1, true, 0, topicId, 5, "second-use-of-5")); // a true retransmission
            assertNotNull(pubackFor(client, 5));
            List<String> written = payloads(kafka.readAll(topic));
            assertEquals(1, written.stream().filter("first-use-of-5"::equals).count(), written.toString());
            assertEquals(1, written.stream().filter("second-use-of-5"::equals).count(), written.toString());
            assertEquals(1, daemon.mqttSn().stats().event("duplicate"));

            late.send(connect("sn-late", true));
            assertArrayEquals(new byte[] {3, 0x05, 1}, late.receive(), "CONNACK rejected: congestion");
            assertEquals(1, daemon.mqttSn().stats().event("too_many_clients"));
            assertEquals(1, daemon.mqttSn().clients());
        }
    }

    @Test
    void qosMinus1_withAPredefinedTopicId_landsInKafka_withoutAConnection() throws Exception {
        TestKafka kafka = TestKafka.shared();
        try (SluiceDaemon daemon = SluiceDaemon.start(udpConfig(kafka, "sn-qosm1", Map.of()));
             MqttSnTestClient client = new MqttSnTestClient(daemon.mqttSn().port())) {
            client.send(publish(-1, false, 1, 7, 0, "qos-minus-one"));
            String topic = daemon.config().kafka().readingsTopic();
            await().atMost(Duration.ofSeconds(30)).until(() -> payloads(kafka.readAll(topic)).contains("qos-minus-one"));
            ConsumerRecord<String, byte[]> rec = kafka.readAll(topic).get(0);
            assertEquals("sensors/predefined", header(rec, "sluice.topic"));
            assertEquals("-1", header(rec, "sluice.qos"));
        }
    }

    @Test
    void tenThousandLineDatagrams_everyGoodLineInKafka_everyBadLineCounted() throws Exception {
        TestKafka kafka = TestKafka.shared();
        try (SluiceDaemon daemon = SluiceDaemon.start(udpConfig(kafka, "line-udp", Map.of()));
             DatagramSocket socket = new DatagramSocket()) {
            InetAddress host = InetAddress.getLoopbackAddress();
            int port = daemon.lineUdp().port();
            Set<String> good = new HashSet<>();
            long bad = 0;
            for (int d = 0; d < 10_000; d++) {
                StringBuilder sb = new StringBuilder();
                sb.append("temp,dev=d").append(d % 97).append(" value=").append(d).append(".5 ")
                        .append(1_700_000_000_000_000_000L + d).append('\n');
                good.add(sb.toString().strip());
                if (d % 3 == 0) {
                    sb.append("this line has no field set\n");
                    bad++;
                }
                if (d % 5 == 0) {
                    String second = "hum,dev=d" + d + " value=" + (d % 100) + "i";
                    sb.append(second).append("\r\n");
                    good.add(second);
                }
                byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
                socket.send(new DatagramPacket(bytes, bytes.length, host, port));
                if (d % 250 == 249) { // keep within the socket buffer: loopback drops what overflows it
                    long sent = d + 1;
                    await().atMost(Duration.ofSeconds(30))
                            .until(() -> daemon.lineUdp().stats().datagrams.sum() >= sent);
                }
            }
            String topic = daemon.config().kafka().readingsTopic();
            await().atMost(Duration.ofSeconds(60)).until(() -> daemon.lineUdp().stats().datagrams.sum() == 10_000);
            long expectedBad = bad;
            await().atMost(Duration.ofSeconds(60)).until(() -> kafka.readAll(topic).size() >= good.size());
            List<ConsumerRecord<String, byte[]>> records = kafka.readAll(topic);
            assertEquals(good, new HashSet<>(payloads(records)), "every good line, nothing else");
            assertEquals(good.size(), records.size(), "each good line once");
            assertEquals(expectedBad, daemon.lineUdp().stats().event("malformed_line"));
            assertEquals("line-udp", header(records.get(0), "sluice.protocol"));
            assertTrue(header(records.get(0), "sluice.source").startsWith("127.0.0.1:"));
            assertEquals(SluiceDaemon.State.READY, daemon.state());
        }
    }

    @Test
    void hundredThousandRandomAndMutatedDatagrams_crashNothing_andAWellBehavedClientIsUndisturbed() throws Exception {
        TestKafka kafka = TestKafka.shared();
        try (SluiceDaemon daemon = SluiceDaemon.start(udpConfig(kafka, "udp-fuzz", Map.of(
                "mqtt_sn.max_datagram_bytes", "512")));
             MqttSnTestClient good = new MqttSnTestClient(daemon.mqttSn().port());
             DatagramSocket fuzz = new DatagramSocket()) {
            int snPort = daemon.mqttSn().port();
            int linePort = daemon.lineUdp().port();
            String topic = daemon.config().kafka().readingsTopic();
            good.send(connect("well-behaved", true));
            assertArrayEquals(new byte[] {3, 0x05, 0}, good.receive());
            good.send(register(1, "sensors/well-behaved/temp"));
            int topicId = topicIdOf(good.receive());

            // the well-behaved client publishes 200 QoS 1 readings while the fuzzer runs, retransmitting with DUP
            // when a PUBACK does not come within 3 s (as MQTT-SN clients do: UDP may drop under load)
            CompletableFuture<Integer> wellBehaved = CompletableFuture.supplyAsync(() -> {
                try {
                    int acked = 0;
                    for (int i = 1; i <= 200; i++) {
                        byte[] ack = null;
                        for (int attempt = 0; attempt < 10 && ack == null; attempt++) {
                            good.send(publish(1, attempt > 0, 0, topicId, i, "good-" + i));
                            ack = pubackFor(good, i);
                        }
                        assertNotNull(ack, "PUBACK for message " + i);
                        assertEquals(PUBACK, ack[1] & 0xff);
                        assertEquals(i, ((ack[4] & 0xff) << 8) | (ack[5] & 0xff));
                        assertEquals(0, ack[6], "accepted");
                        acked++;
                    }
                    return acked;
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });

            Random random = new Random(20261122L);
            List<byte[]> seeds = List.of(connect("fuzz-seed", true), register(3, "a/b"),
                    publish(1, false, 0, 1, 9, "payload"), publish(-1, false, 1, 7, 0, "x"),
                    MqttSnTestClient.packet(0x16, new byte[0]), MqttSnTestClient.packet(0x18, new byte[] {0, 30}),
                    "temp,dev=x value=1.5 1700000000000000000\n".getBytes(StandardCharsets.UTF_8));
            InetAddress host = InetAddress.getLoopbackAddress();
            LongSupplier received = () -> daemon.mqttSn().stats().datagrams.sum()
                    + daemon.lineUdp().stats().datagrams.sum();
            for (int n = 0; n < 100_000; n++) {
                byte[] b;
                if (n % 2 == 0) {
                    b = new byte[random.nextInt(700)];
                    random.nextBytes(b);
                } else {
                    b = seeds.get(random.nextInt(seeds.size())).clone();
                    int flips = 1 + random.nextInt(4);
                    for (int f = 0; f < flips && b.length > 0; f++) {
                        b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                    }
                    if (random.nextInt(10) == 0) {
                        b = java.util.Arrays.copyOf(b, random.nextInt(b.length + 8));
                    }
                }
                fuzz.send(new DatagramPacket(b, b.length, host, n % 4 == 3 ? linePort : snPort));
                if (n % 500 == 499) {
                    long sent = n + 1;
                    // loopback drops what overflows the socket buffer; pace so (nearly) every datagram is parsed
                    await().atMost(Duration.ofSeconds(30)).until(() -> received.getAsLong() >= sent * 9 / 10);
                }
            }
            assertEquals(200, wellBehaved.get(120, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(received.getAsLong() >= 90_000, "the fuzz reached the listeners: " + received.getAsLong());
            Map<String, Long> goodCounts = payloads(kafka.readAll(topic)).stream().filter(p -> p.startsWith("good-"))
                    .collect(Collectors.groupingBy(p -> p, Collectors.counting()));
            assertEquals(200, goodCounts.size(), "every acknowledged reading is in Kafka");
            assertTrue(goodCounts.values().stream().allMatch(c -> c == 1), "and written once: " + goodCounts);
            assertTrue(daemon.mqttSn().stats().event("malformed") > 0, daemon.mqttSn().stats().events().toString());
            assertTrue(daemon.mqttSn().stats().event("too_large") > 0, daemon.mqttSn().stats().events().toString());
            assertEquals(SluiceDaemon.State.READY, daemon.state());
            // and the gateway still answers a new client
            try (MqttSnTestClient after = new MqttSnTestClient(snPort)) {
                after.send(connect("after-fuzz", true));
                assertArrayEquals(new byte[] {3, 0x05, 0}, after.receive());
            }
        }
    }
}
