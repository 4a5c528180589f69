package io.sluice.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node loss (docs/DELIVERY.md, "Node death"): three daemons (child JVMs, fleet-1..3) on one Kafka of three brokers
 * (replication 3, min ISR 2), as a fleet runs. Two persistent
 * subscribers are made on node 1 and messages for them are published through node 2: an MQTT 3.1.1 subscriber (a raw
 * socket) that receives messages and never acknowledges them, and an MQTT 5 subscriber (HiveMQ) that is offline, so
 * node 1 queues them. Then node 1 is killed with -9, once, before the tests; each test reconnects one of them to node
 * 3, which never gets a handover from node 1 and recovers what node 1 held from node 1's delivery partition.
 */
class FleetRecoveryIT {
    private static final TestKafka kafka = TestKafka.ownCluster(3);
    /** delivery.max_inflight_per_session: the 3.1.1 subscriber holds this many unacknowledged on node 1. */
    private static final int WINDOW = 5;
    @TempDir
    static Path dir;
    private static final DaemonProcess[] nodes = new DaemonProcess[3];
    /** The fleet's delivery topic (8 partitions). */
    private static String deliveryTopic;
    private static final List<String> unackedSent = numbered("u-", 20);
    private static final List<String> offlineSent = numbered("q-", 100);
    /** What the 3.1.1 subscriber received on node 1 before it died (never acknowledged). */
    private static final List<RawPublish> receivedOnNode1 = new ArrayList<>();

    @BeforeAll
    static void startNodesSubscribeAndKillNode1() throws Exception {
        int[] ports = {DaemonProcess.freePort(), DaemonProcess.freePort(), DaemonProcess.freePort()};
        String suffix = Long.toHexString(System.nanoTime());
        deliveryTopic = "delivery-recover-" + suffix;
        String base = kafka.daemonYaml("recover", ports[0], "delivery:\n  topic: delivery-recover-" + suffix
                + "\n  retained_topic: retained-recover-" + suffix + "\n  partitions: 8\n  max_inflight_per_session: "
                + WINDOW).replace("topic_replication_factor: 1", "topic_replication_factor: 3")
                .replace("topic_min_insync_replicas: 1", "topic_min_insync_replicas: 2");
        assertTrue(base.contains("topic_replication_factor: 3"), base);
        List<CompletableFuture<Void>> starting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String yaml = base.replace("node_id: it-node", "node_id: fleet-" + (i + 1))
                    .replace("  port: " + ports[0] + "\n", "  port: " + ports[i] + "\n")
                    .replaceFirst("token_file: \\S+", "token_file: " + TestKafka.tokenFile());
            nodes[i] = new DaemonProcess(Files.createDirectories(dir.resolve("node-" + (i + 1))), yaml, ports[i],
                    List.of("-Xmx192m"));
            starting.add(CompletableFuture.runAsync(nodes[i]::start));
        }
        CompletableFuture.allOf(starting.toArray(CompletableFuture[]::new)).get(180, TimeUnit.SECONDS);

        Mqtt3BlockingClient pub2 = Clients.v3("rec-pub-2", nodes[1].port());
        pub2.connect();
        Mqtt3BlockingClient pub3 = Clients.v3("rec-pub-3", nodes[2].port());
        pub3.connect();

        // the MQTT 5 subscriber: subscribed on node 1, known there by nodes 2 and 3, then offline
        Mqtt5BlockingClient offline = Clients.v5("rec-q5", nodes[0].port());
        offline.connectWith().cleanStart(false).sessionExpiryInterval(3600).send();
        var offlineInbox = offline.publishes(MqttGlobalPublishFilter.ALL);
        offline.subscribeWith().topicFilter("rec/q5/#").qos(MqttQos.AT_LEAST_ONCE).send();
        for (int attempt = 0; ; attempt++) { // until nodes 2 and 3 route to node 1 for it
            assertTrue(attempt < 120, "nodes 2 and 3 never routed to node 1" + logs());
            publish(pub2, "rec/q5/probe", "probe-2");
            publish(pub3, "rec/q5/probe", "probe-3");
            if (probesArrived(ms -> offlineInbox.receive(ms, TimeUnit.MILLISECONDS)
                    .map(m -> new String(m.getPayloadAsBytes(), StandardCharsets.UTF_8)))) {
                break;
            }
        }
        offline.disconnect();

        // the MQTT 3.1.1 subscriber: receives and never acknowledges
        RawMqtt raw = new RawMqtt(nodes[0].port());
        raw.send(RawMqtt.persistentConnect311("rec-u3"));
        assertEquals(0x20, raw.read(4)[0] & 0xff, "CONNACK");
        raw.send(subscribe311(1, "rec/u3", 1));
        assertEquals(0x90, raw.read(5)[0] & 0xff, "SUBACK");
        raw.readTimeout(1_000);
        for (int attempt = 0; ; attempt++) {
            assertTrue(attempt < 120, "nodes 2 and 3 never routed to node 1" + logs());
            publish(pub2, "rec/u3", "probe-2");
            publish(pub3, "rec/u3", "probe-3");
            if (probesArrived(ms -> {
                try {
                    RawPublish p = RawPublish.of(raw.readPacket());
                    raw.send(puback(p.packetId())); // probes are acknowledged: node 1 finishes them
                    return Optional.of(p.payload());
                } catch (SocketTimeoutException e) {
                    return Optional.empty();
                }
            })) {
                break;
            }
        }
        raw.readTimeout(30_000);

        for (String m : offlineSent) {
            publish(pub2, "rec/q5/t", m); // each acknowledged: in node 1's partition
        }
        for (String m : unackedSent) {
            publish(pub2, "rec/u3", m);
        }
        while (receivedOnNode1.size() < WINDOW) { // node 1 sends the first WINDOW; the rest wait there
            RawPublish p = RawPublish.of(raw.readPacket());
            if (p.payload().startsWith("probe-")) {
                raw.send(puback(p.packetId())); // a late probe
                continue;
            }
            assertFalse(p.dup());
            receivedOnNode1.add(p);
        }
        assertEquals(unackedSent.subList(0, WINDOW), receivedOnNode1.stream().map(RawPublish::payload).toList());
        pub2.disconnect();
        pub3.disconnect();
        nodes[0].kill();
        raw.close();
    }

    @AfterAll
    static void stopNodes() {
        for (DaemonProcess n : nodes) {
            if (n != null) {
                n.close();
            }
        }
        kafka.close();
    }

    /** kill -9 mid-delivery: an MQTT 3.1.1 subscriber with unacknowledged messages gets them all on node 3. */
    @Test
    void anMqtt311SubscriberWithUnackedMessages_onANodeKilledMidDelivery_getsEveryMessageOnNode3_dupForTheUnacked()
            throws Exception {
        try (RawMqtt three = new RawMqtt(nodes[2].port())) {
            three.readTimeout(30_000);
            three.send(RawMqtt.persistentConnect311("rec-u3"));
            byte[] connack = three.read(4);
            assertEquals(0x20, connack[0] & 0xff, "CONNACK");
            assertEquals(1, connack[2], "session present");
            List<RawPublish> got = new ArrayList<>();
            LinkedHashSet<String> distinct = new LinkedHashSet<>();
            while (distinct.size() < unackedSent.size()) {
                RawPublish p;
                try {
                    p = RawPublish.of(three.readPacket());
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("only " + distinct + " came" + logs(), e);
                }
                three.send(puback(p.packetId()));
                if (p.payload().startsWith("probe-")) {
                    continue; // a late probe node 1 had not finished
                }
                got.add(p);
                distinct.add(p.payload());
            }
            assertEquals(unackedSent, List.copyOf(distinct), "every message, in publish order" + logs());
            assertEquals(unackedSent, got.stream().map(RawPublish::payload).toList(), "each once: " + got);
            for (int i = 0; i < WINDOW; i++) {
                assertTrue(got.get(i).dup(), "received unacknowledged on node 1, so again with DUP=1: " + got.get(i));
            }
            String status = nodes[2].log();
            assertTrue(status.contains("Recovery scan of node 'fleet-1'"), "node 3 recovered from node 1" + logs());
        }
    }

    /** An offline persistent MQTT 5 session's queue on a killed node reaches it on node 3. */
    @Test
    void anOfflineMqtt5SessionQueuedOnANodeKilledWithMinus9_getsAllHundredOnNode3_inOrder() throws Exception {
        Mqtt5BlockingClient back = Clients.v5("rec-q5", nodes[2].port());
        var inbox = back.publishes(MqttGlobalPublishFilter.ALL);
        assertTrue(back.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().isSessionPresent(),
                "session present on node 3");
        List<String> got = new ArrayList<>();
        while (got.size() < offlineSent.size()) {
            Optional<String> m = inbox.receive(30, TimeUnit.SECONDS)
                    .map(p -> new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8));
            if (m.isEmpty()) {
                throw new AssertionError("only " + got.size() + " came: " + got + logs());
            }
            if (!m.get().startsWith("probe-")) { // a late probe, queued on node 1 after the disconnect
                got.add(m.get());
            }
        }
        inbox.receive(1, TimeUnit.SECONDS).map(p -> new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8))
                .filter(p -> !p.startsWith("probe-")).ifPresent(got::add);
        assertEquals(offlineSent, got, "all 100, in order, once" + logs());
        back.disconnect();
    }

    /**
     * A node stopped gracefully (SIGTERM) says so with its last stored position: node 3 recovers the offline queue it
     * left at once, without waiting for delivery.handover_timeout_ms. Stops node 2, which the other tests no longer
     * use once the class's set-up is done.
     */
    @Test
    void anOfflineMqtt5SessionOfANodeThatStoppedGracefully_isRecoveredOnNode3AtOnce_allOfIt_inOrder()
            throws Exception {
        Mqtt5BlockingClient sub = Clients.v5("rec-g5", nodes[1].port());
        sub.connectWith().cleanStart(false).sessionExpiryInterval(3600).send();
        var inbox = sub.publishes(MqttGlobalPublishFilter.ALL);
        sub.subscribeWith().topicFilter("rec/g5/#").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt3BlockingClient pub3 = Clients.v3("rec-g5-pub", nodes[2].port());
        pub3.connect();
        boolean routed = false;
        for (int attempt = 0; attempt < 120 && !routed; attempt++) { // until node 3 routes to node 2 for it
            publish(pub3, "rec/g5/probe", "probe-3");
            routed = inbox.receive(1, TimeUnit.SECONDS).isPresent();
        }
        assertTrue(routed, "node 3 never routed to node 2" + logs());
        sub.disconnect();
        List<String> sent = numbered("g-", 50);
        for (String m : sent) {
            publish(pub3, "rec/g5/t", m); // each acknowledged: in node 2's partition
        }
        pub3.disconnect();
        assertEquals(0, nodes[1].terminate(java.time.Duration.ofSeconds(60)), "node 2 stopped gracefully");

        Mqtt5BlockingClient back = Clients.v5("rec-g5", nodes[2].port());
        var again = back.publishes(MqttGlobalPublishFilter.ALL);
        assertTrue(back.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().isSessionPresent());
        List<String> got = new ArrayList<>();
        while (got.size() < sent.size()) {
            Optional<String> m = again.receive(30, TimeUnit.SECONDS)
                    .map(p -> new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8));
            if (m.isEmpty()) {
                throw new AssertionError("only " + got.size() + " came: " + got + logs());
            }
            if (!m.get().startsWith("probe-")) {
                got.add(m.get());
            }
        }
        assertEquals(sent, got, "all 50, in order, once" + logs());
        assertTrue(nodes[2].log().contains("Session 'rec-g5' resumed here from node 'fleet-2', which stopped"
                + " gracefully: recovering it from that node's partition at once"), "without the timeout" + logs());

        // a node that had not read yet where rec-g5 went (node 1 is dead here, so written as it would have) routes a
        // message for it to node 2's partition after node 3's scan: nobody reads that partition while node 2 is
        // down, and node 2 would pass it over when it starts again, the session being node 3's. Node 3 reads node
        // 2's partition once more, delivery.handover_timeout_ms after its scan, and delivers it.
        writeAsALaggingNode("fleet-2", "rec/g5/t", "routed-late");
        Optional<String> late = again.receive(60, TimeUnit.SECONDS)
                .map(p -> new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8));
        assertEquals(Optional.of("routed-late"), late, "the message routed to the stopped node after the scan"
                + logs());
        assertTrue(nodes[2].log().contains("read from where the last scan ended,"), "by a late scan" + logs());
        back.disconnect();
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /**
     * Appends to {@code node}'s delivery partition the record a publishing node writes for a QoS 1 message on
     * {@code topic} that one of {@code node}'s sessions matches (docs/RECORDS.md, the delivery topic).
     */
    private static void writeAsALaggingNode(String node, String topic, String payload) throws Exception {
        java.util.Properties p = new java.util.Properties();
        p.put(org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        p.put(org.apache.kafka.clients.producer.ProducerConfig.ACKS_CONFIG, "all");
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(p,
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            var headers = new org.apache.kafka.common.header.internals.RecordHeaders();
            headers.add("sluice.topic", utf8(topic));
            headers.add("sluice.qos", utf8("1"));
            headers.add("sluice.publisher", utf8("rec-lagging-pub"));
            headers.add("sluice.published_ms", utf8(Long.toString(System.currentTimeMillis())));
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(deliveryTopic,
                    io.sluice.sinks.delivery.internal.Partitions.of(node, 8), null, node, utf8(payload), headers))
                    .get(30, TimeUnit.SECONDS);
        }
    }

    @FunctionalInterface
    interface Inbox {
        Optional<String> next(long millis) throws Exception;
    }

    /** True when both probes arrive within about a second each (other payloads, earlier probes, are read over). */
    private static boolean probesArrived(Inbox inbox) throws Exception {
        boolean two = false;
        boolean three = false;
        for (int i = 0; i < 20 && !(two && three); i++) {
            Optional<String> m = inbox.next(1_000);
            if (m.isEmpty()) {
                return false;
            }
            two |= m.get().equals("probe-2");
            three |= m.get().equals("probe-3");
        }
        return two && three;
    }

    private static void publish(Mqtt3BlockingClient pub, String topic, String payload) {
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload.getBytes(StandardCharsets.UTF_8))
                .send();
    }

    private static List<String> numbered(String prefix, int n) {
        return IntStream.range(0, n).mapToObj(i -> prefix + i).toList();
    }

    private static String logs() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < nodes.length; i++) {
            String log = nodes[i] == null ? "" : nodes[i].log();
            b.append("\n--- node fleet-").append(i + 1).append(" (last 3000 chars)\n")
                    .append(log.substring(Math.max(0, log.length() - 3000)));
        }
        return b.toString();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] subscribe311(int packetId, String filter, int qos) {
        byte[] f = utf8(filter);
        ByteArrayOutputStream sb = new ByteArrayOutputStream();
        sb.writeBytes(new byte[] {(byte) (packetId >> 8), (byte) packetId, (byte) (f.length >> 8), (byte) f.length});
        sb.writeBytes(f);
        sb.write(qos);
        return RawMqtt.frame(0x82, sb.toByteArray());
    }

    private static byte[] puback(int packetId) {
        return new byte[] {0x40, 2, (byte) (packetId >> 8), (byte) packetId};
    }

    /** A QoS 1 PUBLISH read by {@link RawMqtt#readPacket}: DUP flag, packet id, payload. */
    private record RawPublish(boolean dup, int packetId, String payload) {
        static RawPublish of(byte[] packet) throws IOException {
            if ((packet[0] & 0xf0) != 0x30) {
                throw new IOException("not a PUBLISH: first byte " + (packet[0] & 0xff));
            }
            int topicLen = ((packet[2] & 0xff) << 8) | (packet[3] & 0xff);
            int at = 4 + topicLen;
            int packetId = ((packet[at] & 0xff) << 8) | (packet[at + 1] & 0xff);
            return new RawPublish((packet[0] & 0x08) != 0, packetId,
                    new String(packet, at + 2, packet.length - at - 2, StandardCharsets.UTF_8));
        }
    }
}
