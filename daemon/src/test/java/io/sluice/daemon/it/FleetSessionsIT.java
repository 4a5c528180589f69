package io.sluice.daemon.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three nodes on one Kafka, sharing every topic: each follows the sessions topic, so a session made on one resumes on
 * the other, a client id connects to one node at a time (takeover across nodes), and both see the same fleet.
 */
class FleetSessionsIT {
    private static final Duration AWAIT = Duration.ofSeconds(30);
    private static SluiceDaemon n1;
    private static SluiceDaemon n2;
    private static SluiceDaemon n3;
    private static String downlinkTopic;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startTwoNodes() {
        String suffix = "fleet-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> shared = TestKafka.fleetTopics(suffix);
        downlinkTopic = shared.get("downlink.topic");
        n1 = SluiceDaemon.start(node(shared, "n1"));
        n2 = SluiceDaemon.start(node(shared, "n2"));
        n3 = SluiceDaemon.start(node(shared, "n3"));
    }

    private static io.sluice.daemon.config.SluiceConfig node(Map<String, String> shared, String id) {
        Map<String, String> extra = new HashMap<>(shared);
        extra.put("node_id", id);
        return TestKafka.shared().daemonConfig("fleet", extra);
    }

    @AfterAll
    static void stop() {
        for (SluiceDaemon d : new SluiceDaemon[] {n1, n2, n3}) {
            if (d != null) {
                d.close();
            }
        }
    }

    private HttpResponse<String> admin(SluiceDaemon d, String path) throws Exception {
        String token = Files.readString(Path.of(d.config().admin().tokenFile())).trim();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.adminPort() + path))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String node(SluiceDaemon d, String clientId) {
        return d.mqtt().sessions().connectedNode(clientId);
    }

    @Test
    void aPersistentSubscriberMadeOnNode1_resumesOnNode2_withSessionPresent_andItsSubscription_mqtt5And311()
            throws Exception {
        Mqtt5BlockingClient v5 = Clients.v5("fleet-a5", n1.mqttPort());
        assertFalse(v5.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().isSessionPresent());
        v5.subscribeWith().topicFilter("cmd/fleet-a5/#").qos(MqttQos.AT_LEAST_ONCE).send();
        v5.disconnect();
        Mqtt3BlockingClient v3 = Clients.v3("fleet-a3", n1.mqttPort());
        assertFalse(v3.connectWith().cleanSession(false).send().isSessionPresent());
        v3.subscribeWith().topicFilter("cmd/fleet-a3/#").qos(MqttQos.AT_LEAST_ONCE).send();
        v3.disconnect();

        // node 2 learns both from the sessions topic, subscriptions and all, without a restart
        for (String id : List.of("fleet-a5", "fleet-a3")) {
            await().atMost(AWAIT).until(() -> admin(n2, "/sessions/" + id).body(),
                    body -> body.contains("cmd/" + id + "/#") && body.contains("\"n1\""));
        }
        Mqtt5BlockingClient again5 = Clients.v5("fleet-a5", n2.mqttPort());
        assertTrue(again5.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().isSessionPresent(),
                "MQTT 5 session made on node 1 is present on node 2");
        Mqtt3BlockingClient again3 = Clients.v3("fleet-a3", n2.mqttPort());
        assertTrue(again3.connectWith().cleanSession(false).send().isSessionPresent(),
                "MQTT 3.1.1 session made on node 1 is present on node 2");
        assertTrue(n2.mqtt().sessionInfo("fleet-a5").subscriptions().contains("cmd/fleet-a5/#"));
        await().atMost(AWAIT).until(() -> "n2".equals(node(n1, "fleet-a5")) && "n2".equals(node(n1, "fleet-a3")));
        String status = admin(n2, "/status").body();
        assertTrue(status.contains("\"fleet\"") && status.contains("\"n2\""), status);
        again5.disconnect();
        again3.disconnect();
    }

    @Test
    void aClientThatSubscribesOnNode1_andAtOnceConnectsToNode2_resumesThereWithItsSubscription_everyTime()
            throws Exception {
        // no waiting for node 2 to learn the session: its CONNECT goes out the moment the SUBACK is in (the socket to
        // node 2 is open already). Node 2 waits until it has read what was written before the CONNECT
        // (mqtt.session_catch_up_timeout_ms), or it would resume without the subscription just made.
        for (int i = 0; i < 5; i++) {
            String id = "fleet-fast-" + i;
            String filter = "cmd/" + id;
            try (RawMqtt one = new RawMqtt(n1.mqttPort()); RawMqtt two = new RawMqtt(n2.mqttPort())) {
                one.send(RawMqtt.persistentConnect311(id));
                assertEquals(0x20, one.read(4)[0] & 0xff, "CONNACK");
                byte[] f = utf8(filter);
                java.io.ByteArrayOutputStream sb = new java.io.ByteArrayOutputStream();
                sb.writeBytes(new byte[] {0, 1, 0, (byte) f.length});
                sb.writeBytes(f);
                sb.write(1);
                one.send(RawMqtt.frame(0x82, sb.toByteArray()));
                assertEquals(0x90, one.read(5)[0] & 0xff, "SUBACK");

                two.send(RawMqtt.persistentConnect311(id));
                byte[] connack = two.read(4);
                assertEquals(0x20, connack[0] & 0xff, "CONNACK");
                assertEquals(1, connack[2], "session present on node 2 at once (" + id + ")");
                assertEquals(List.of(filter), n2.mqtt().sessionInfo(id).subscriptions(), id);
            }
        }
    }

    @Test
    void aSessionMadeOnNode1_andChangedOnNode2_resumesOnNode3_withEverySubscription_andAllThreeAgreeWhereItIs() {
        Mqtt5BlockingClient onNode1 = Clients.v5("fleet-e", n1.mqttPort());
        onNode1.connectWith().cleanStart(false).sessionExpiryInterval(3600).send();
        onNode1.subscribeWith().topicFilter("cmd/fleet-e/1").qos(MqttQos.AT_LEAST_ONCE).send();
        onNode1.disconnect();
        await().atMost(AWAIT).until(() -> n2.mqtt().sessionInfo("fleet-e") != null);
        Mqtt5BlockingClient onNode2 = Clients.v5("fleet-e", n2.mqttPort());
        assertTrue(onNode2.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().isSessionPresent());
        onNode2.subscribeWith().topicFilter("cmd/fleet-e/2").qos(MqttQos.AT_LEAST_ONCE).send();
        onNode2.disconnect();

        await().atMost(AWAIT).until(() -> n3.mqtt().sessionInfo("fleet-e") != null
                && n3.mqtt().sessionInfo("fleet-e").subscriptions().size() == 2);
        Mqtt5BlockingClient onNode3 = Clients.v5("fleet-e", n3.mqttPort());
        assertTrue(onNode3.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().isSessionPresent());
        assertEquals(List.of("cmd/fleet-e/1", "cmd/fleet-e/2"), n3.mqtt().sessionInfo("fleet-e").subscriptions());

        await().atMost(AWAIT).until(() -> "n3".equals(node(n1, "fleet-e")) && "n3".equals(node(n2, "fleet-e"))
                && "n3".equals(node(n3, "fleet-e")));
        onNode3.disconnect();
    }

    @Test
    void aClientConnectedToNode1_thatConnectsToNode2_endsItsNode1Connection_mqtt5WithDisconnect8E()
            throws Exception {
        AtomicReference<Throwable> cause = new AtomicReference<>();
        Mqtt5BlockingClient first = MqttClient.builder().useMqttVersion5().identifier("fleet-b5")
                .serverHost("127.0.0.1").serverPort(n1.mqttPort())
                .addDisconnectedListener(ctx -> cause.compareAndSet(null, ctx.getCause())).buildBlocking();
        first.connectWith().cleanStart(true).send();
        // node 1's presence record is in the log before node 2's CONNECT: the later record is node 2's
        await().atMost(AWAIT).until(() -> "n1".equals(node(n2, "fleet-b5")));
        long lostBefore = n1.mqttStats().event("session_taken_over_remote");

        Mqtt5BlockingClient second = Clients.v5("fleet-b5", n2.mqttPort());
        second.connectWith().cleanStart(true).send();

        await().atMost(AWAIT).until(() -> cause.get() != null);
        assertTrue(cause.get() instanceof Mqtt5DisconnectException, String.valueOf(cause.get()));
        assertEquals(Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER,
                ((Mqtt5DisconnectException) cause.get()).getMqttMessage().getReasonCode());
        assertEquals(lostBefore + 1, n1.mqttStats().event("session_taken_over_remote"));
        assertTrue(second.getState().isConnected());
        second.publishWith().topic("fleet/b5").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();
        assertEquals("n2", node(n1, "fleet-b5"));
        second.disconnect();
    }

    @Test
    void aClientConnectedToNode1_thatConnectsToNode2_endsItsNode1Connection_mqtt311() throws Exception {
        Mqtt3BlockingClient first = Clients.v3("fleet-b3", n1.mqttPort());
        first.connectWith().cleanSession(false).send();
        await().atMost(AWAIT).until(() -> "n1".equals(node(n2, "fleet-b3")));

        Mqtt3BlockingClient second = Clients.v3("fleet-b3", n2.mqttPort());
        assertTrue(second.connectWith().cleanSession(false).send().isSessionPresent(), "its session moved along");

        await().atMost(AWAIT).until(() -> !first.getState().isConnected());
        assertTrue(second.getState().isConnected());
        second.publishWith().topic("fleet/b3").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();
        await().atMost(AWAIT).until(() -> "n2".equals(node(n1, "fleet-b3")));
        second.disconnect();
    }

    @Test
    void twoConnectsOfOneIdOnTwoNodesAtOnce_leaveExactlyOneConnected_andBothNodesAgreeWhere() {
        Mqtt5AsyncClient a = MqttClient.builder().useMqttVersion5().identifier("fleet-c").serverHost("127.0.0.1")
                .serverPort(n1.mqttPort()).buildAsync();
        Mqtt5AsyncClient b = MqttClient.builder().useMqttVersion5().identifier("fleet-c").serverHost("127.0.0.1")
                .serverPort(n2.mqttPort()).buildAsync();
        CompletableFuture.allOf(a.connectWith().cleanStart(true).send(), b.connectWith().cleanStart(true).send())
                .join();

        await().atMost(AWAIT).until(() -> a.getState().isConnected() != b.getState().isConnected());
        String owner = a.getState().isConnected() ? "n1" : "n2";
        await().atMost(AWAIT).until(() -> owner.equals(node(n1, "fleet-c")) && owner.equals(node(n2, "fleet-c")));
        // and it stays so: the connected one is still connected once both nodes have read every record
        assertTrue((owner.equals("n1") ? a : b).getState().isConnected());
        (owner.equals("n1") ? a : b).disconnect().join();
    }

    @Test
    void aNonPersistentClientsPresence_isSeenByTheOtherNode_andRemovedWhenItDisconnects() {
        Mqtt3BlockingClient c = Clients.v3("fleet-d", n1.mqttPort());
        c.connectWith().cleanSession(true).send();
        await().atMost(AWAIT).until(() -> "n1".equals(node(n2, "fleet-d")));
        assertNull(n2.mqtt().sessionInfo("fleet-d"), "connected elsewhere, with no session to resume");

        c.disconnect();

        await().atMost(AWAIT).until(() -> node(n2, "fleet-d") == null && node(n1, "fleet-d") == null);
    }

    // ---------------------------------------------------------------- a session that moves takes its messages

    private static java.util.List<String> numbered(String prefix, int n) {
        return java.util.stream.IntStream.range(0, n).mapToObj(i -> prefix + i).toList();
    }

    /** The node {@code on} has read {@code id}'s session with {@code filter}, last on node {@code node}. */
    private void awaitKnown(SluiceDaemon on, String id, String filter, String node) {
        await().atMost(AWAIT).until(() -> admin(on, "/sessions/" + id).body(),
                body -> body.contains(filter) && body.contains("\"" + node + "\""));
    }

    @Test
    void anOfflineSessionOfNode1_reconnectingToNode3_getsWhatNode1Queued_fromNode2AndTheDownlink_onceInOrder_mqtt5()
            throws Exception {
        String id = "hand-a5";
        Mqtt5BlockingClient sub = Clients.v5(id, n1.mqttPort());
        sub.connectWith().cleanStart(false).sessionExpiryInterval(3600).send();
        sub.subscribeWith().topicFilter("hand/a5/#").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();
        for (SluiceDaemon d : new SluiceDaemon[] {n2, n3}) {
            awaitKnown(d, id, "hand/a5/#", "n1");
        }
        Mqtt5BlockingClient pub = Clients.v5("hand-a5-pub", n2.mqttPort());
        pub.connect();
        List<String> published = numbered("p-", 100);
        for (String m : published) {
            pub.publishWith().topic("hand/a5/pub").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(m.getBytes(java.nio.charset.StandardCharsets.UTF_8)).send();
        }
        pub.disconnect();
        List<String> downlinked = numbered("d-", 20);
        java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", TestKafka.shared().bootstrap());
        p.put("acks", "all");
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<>(p,
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            for (String m : downlinked) {
                var headers = new org.apache.kafka.common.header.internals.RecordHeaders();
                headers.add("sluice.topic", "hand/a5/down".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                headers.add("sluice.qos", new byte[] {'1'});
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(downlinkTopic, null, "backend",
                        m.getBytes(java.nio.charset.StandardCharsets.UTF_8), headers)).get(30,
                        java.util.concurrent.TimeUnit.SECONDS);
            }
        }
        // node 1 holds them all for its offline session before the client comes back elsewhere
        await().atMost(AWAIT).until(() -> n1.mqtt().sessionInfo(id).queued() == 120);

        Mqtt5BlockingClient back = Clients.v5(id, n3.mqttPort());
        var publishes = back.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL);
        assertTrue(back.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().isSessionPresent());
        List<String> got = new java.util.ArrayList<>();
        for (int i = 0; i < 200 && got.size() < 120; i++) {
            publishes.receive(30, java.util.concurrent.TimeUnit.SECONDS)
                    .ifPresent(m -> got.add(new String(m.getPayloadAsBytes(), java.nio.charset.StandardCharsets.UTF_8)));
        }
        publishes.receive(500, java.util.concurrent.TimeUnit.MILLISECONDS)
                .ifPresent(m -> got.add(new String(m.getPayloadAsBytes(), java.nio.charset.StandardCharsets.UTF_8)));
        assertEquals(120, got.size(), "every message once: " + got);
        assertEquals(published, got.stream().filter(m -> m.startsWith("p-")).toList(), "in order from node 2");
        assertEquals(downlinked, got.stream().filter(m -> m.startsWith("d-")).toList(), "in order from the downlink");
        back.disconnect();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A PUBLISH read by {@link RawMqtt#readPacket}: DUP flag, packet id, payload (QoS 1). */
    private record RawPublish(boolean dup, int packetId, String payload) {
        static RawPublish of(byte[] packet) {
            assertEquals(0x30, packet[0] & 0xf0, "a PUBLISH");
            int topicLen = ((packet[2] & 0xff) << 8) | (packet[3] & 0xff);
            int at = 4 + topicLen;
            int packetId = ((packet[at] & 0xff) << 8) | (packet[at + 1] & 0xff);
            return new RawPublish((packet[0] & 0x08) != 0, packetId,
                    new String(packet, at + 2, packet.length - at - 2, java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Test
    void aConnectedMqtt311SubscriberOfNode1_withUnacknowledgedMessages_takenOverOnNode3_getsThemAgainWithDup()
            throws Exception {
        String id = "hand-b3";
        try (RawMqtt one = new RawMqtt(n1.mqttPort()); RawMqtt three = new RawMqtt(n3.mqttPort())) {
            one.send(RawMqtt.persistentConnect311(id));
            assertEquals(0x20, one.read(4)[0] & 0xff, "CONNACK");
            byte[] filter = utf8("hand/b3");
            java.io.ByteArrayOutputStream sb = new java.io.ByteArrayOutputStream();
            sb.writeBytes(new byte[] {0, 1, 0, (byte) filter.length});
            sb.writeBytes(filter);
            sb.write(1);
            one.send(RawMqtt.frame(0x82, sb.toByteArray()));
            assertEquals(0x90, one.read(5)[0] & 0xff, "SUBACK");
            for (SluiceDaemon d : List.of(n2, n3)) {
                // node 3 must have read the SUBSCRIBE before the client comes to it: a session resumed there without
                // its subscription ends its queue on node 1 with nothing handed over (docs/DELIVERY.md)
                awaitKnown(d, id, "hand/b3", "n1");
            }

            Mqtt3BlockingClient pub = Clients.v3("hand-b3-pub", n2.mqttPort());
            pub.connect();
            List<String> sent = numbered("u-", 5);
            for (String m : sent) {
                pub.publishWith().topic("hand/b3").qos(MqttQos.AT_LEAST_ONCE).payload(utf8(m)).send();
            }
            pub.disconnect();
            List<String> first = new java.util.ArrayList<>();
            for (int i = 0; i < sent.size(); i++) {
                RawPublish rp = RawPublish.of(one.readPacket());
                assertFalse(rp.dup());
                first.add(rp.payload()); // never acknowledged
            }
            assertEquals(sent, first);

            three.send(RawMqtt.persistentConnect311(id));
            byte[] connack = three.read(4);
            assertEquals(0x20, connack[0] & 0xff, "CONNACK");
            assertEquals(1, connack[2], "session present");
            List<RawPublish> again = new java.util.ArrayList<>();
            for (int i = 0; i < sent.size(); i++) {
                RawPublish rp = RawPublish.of(three.readPacket());
                again.add(rp);
                three.send(new byte[] {0x40, 2, (byte) (rp.packetId() >> 8), (byte) rp.packetId()}); // PUBACK
            }
            assertEquals(sent, again.stream().map(RawPublish::payload).toList());
            assertTrue(again.stream().allMatch(RawPublish::dup), "resent with DUP: " + again);
            assertTrue(one.closedByServer(), "the old connection ended");
        }
    }
}
