package io.sluice.mqtt.internal;

import static io.sluice.mqtt.internal.DeliveryFixture.ack;
import static io.sluice.mqtt.internal.DeliveryFixture.option;
import static io.sluice.mqtt.internal.DeliveryFixture.packetId;
import static io.sluice.mqtt.internal.DeliveryFixture.publishes;
import static io.sluice.mqtt.internal.DeliveryFixture.subscribe;
import static io.sluice.mqtt.internal.DeliveryFixture.text;
import static io.sluice.mqtt.internal.MqttHarness.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.delivery.Route;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two nodes, each with its own delivery log in memory: what one node appends for the other is carried over by hand
 * (as Kafka would), and each node learns of the other's sessions through {@code Broker.remoteSession}, as the sessions
 * follower tells it. Real MQTT bytes on EmbeddedChannels.
 */
class FleetRoutingTest {
    private final DeliveryFixture a = new DeliveryFixture("node-a");
    private final DeliveryFixture b = new DeliveryFixture("node-b");
    private final Map<DeliveryFixture, Integer> carried = new HashMap<>();

    @AfterEach
    void close() {
        a.close();
        b.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** What {@code from} appended since the last call, for {@code to}, lands in {@code to}'s log; both then read. */
    private void carry(DeliveryFixture from, DeliveryFixture to) {
        int start = carried.getOrDefault(from, 0);
        for (int i = start; i < from.log.routes.size(); i++) {
            List<Route> routes = from.log.routes.get(i);
            if (routes.stream().anyMatch(r -> r.node().equals(to.log.node))) {
                to.log.appendRoutes(from.log.appended.get(i), routes);
            }
        }
        carried.put(from, from.log.routes.size());
        from.log.deliver();
        to.log.deliver();
    }

    private static void subscribed(MqttHarness h, MqttMessage subscribe) {
        assertEquals(MqttMessageType.SUBACK, h.send(subscribe).get(0).fixedHeader().messageType());
    }

    /** Every PUBLISH {@code h} was sent, acknowledged at once (QoS 1), as text. */
    private static List<String> received(MqttHarness h) {
        List<String> out = new ArrayList<>();
        java.util.ArrayDeque<MqttMessage> todo = new java.util.ArrayDeque<>(h.pump());
        for (int i = 0; i < 10_000 && !todo.isEmpty(); i++) {
            if (todo.poll() instanceof MqttPublishMessage p) {
                out.add(text(p));
                if (p.fixedHeader().qosLevel().value() == 1) {
                    todo.addAll(h.send(ack(MqttMessageType.PUBACK, packetId(p)))); // the window moves on
                }
            }
        }
        return out;
    }

    @Test
    void aSubscriberOnAnotherNode_getsWhatIsPublishedHere_inOrder_throughItsNodesRecordOnly() {
        MqttHarness far = b.connect(MqttVersion.MQTT_3_1_1, "far", 60);
        subscribed(far, subscribe(1, "t/#", 1));
        a.broker.remoteSession("far", "node-b", true, Map.of("t/#", 1), Map.of());

        MqttHarness pub = a.connect(MqttVersion.MQTT_5, "pub", 0);
        for (int i = 1; i <= 10; i++) {
            assertEquals(MqttMessageType.PUBACK, pub.send(publish("t/" + i, 1, i, bytes("m" + i))).get(0)
                    .fixedHeader().messageType());
        }
        assertEquals(List.of(new Route("node-b", null)), a.log.routes.get(0), "one record, for node-b");
        carry(a, b);
        List<String> got = received(far);
        assertEquals(List.of("m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10"), got);
        assertEquals(0, a.stats.deliveriesSent.sum(), "node-a made no copy of node-b's session");
    }

    @Test
    void aSharedGroupWithMembersOnBothNodes_givesEachMessageToExactlyOneMember_andBothGetSome() {
        MqttHarness m1 = a.connect(MqttVersion.MQTT_5, "m1", 0);
        subscribed(m1, subscribe(1, "$share/g/t", 1));
        MqttHarness m2 = b.connect(MqttVersion.MQTT_5, "m2", 0);
        subscribed(m2, subscribe(1, "$share/g/t", 1));
        a.broker.remoteSession("m2", "node-b", true, Map.of("$share/g/t", 1), Map.of());
        b.broker.remoteSession("m1", "node-a", true, Map.of("$share/g/t", 1), Map.of());

        MqttHarness pubA = a.connect(MqttVersion.MQTT_5, "pub-a", 0);
        MqttHarness pubB = b.connect(MqttVersion.MQTT_5, "pub-b", 0);
        for (int i = 0; i < 6; i++) {
            pubA.send(publish("t", 1, i + 1, bytes("a" + i)));
            pubB.send(publish("t", 1, i + 1, bytes("b" + i)));
        }
        for (List<Route> r : a.log.routes) {
            assertEquals(1, r.size(), "one node serves the group: " + r);
            assertEquals(Set.of("g/t"), r.get(0).sharedGroups());
        }
        carry(a, b);
        carry(b, a);
        List<String> got1 = received(m1);
        List<String> got2 = received(m2);
        List<String> all = new ArrayList<>(got1);
        all.addAll(got2);
        assertEquals(12, all.size(), got1 + " " + got2);
        assertEquals(12, Set.copyOf(all).size(), "no message twice: " + all);
        assertFalse(got1.isEmpty());
        assertFalse(got2.isEmpty());
    }

    @Test
    void noLocal_acrossNodes_keepsThePublishersOwnMessageFromIt_andNodeBStillGetsIt() {
        MqttHarness me = a.connect(MqttVersion.MQTT_5, "me", 0);
        subscribed(me, subscribe(1, "t", option(1, true, false, 0), 0));
        MqttHarness far = b.connect(MqttVersion.MQTT_5, "far", 0);
        subscribed(far, subscribe(1, "t", 1));
        a.broker.remoteSession("far", "node-b", true, Map.of("t", 1), Map.of());

        me.send(publish("t", 1, 1, bytes("mine")));
        assertEquals(List.of(new Route("node-b", null)), a.log.routes.get(0), "no record for node-a");
        carry(a, b);
        assertEquals(List.of(), received(me));
        assertEquals(List.of("mine"), received(far));
    }

    @Test
    void aSessionThatMovedToAnotherNode_leavesThisNodesQueue_andComesBackWhenItsClientReconnectsHere() {
        MqttHarness mover = a.connect(MqttVersion.MQTT_3_1_1, "mover", 60);
        subscribed(mover, subscribe(1, "t", 1));
        mover.close(); // offline: its queue keeps QoS 1 messages
        MqttHarness pub = a.connect(MqttVersion.MQTT_5, "pub", 0);
        pub.send(publish("t", 1, 1, bytes("queued")));
        a.log.deliver();
        assertEquals(1, a.broker.view("mover").queued());

        pub.send(publish("t", 1, 9, bytes("routed before the move was known")));
        a.broker.remoteSession("mover", "node-b", true, Map.of("t", 1), Map.of());
        assertFalse(a.broker.hasQueue("mover"), "its queue here ended");
        assertEquals(1, a.stats.event("delivery_session_moved"));
        a.log.deliver();
        assertEquals(0, a.stats.event("delivery_no_subscriber"));
        assertEquals(1, a.stats.event("handover_forwarded"), "read here after the session moved: forwarded there");
        pub.send(publish("t", 1, 2, bytes("for node-b")));
        assertEquals(List.of(new Route("node-b", null)), a.log.routes.get(2));

        MqttHarness back = a.client();
        assertTrue(back.connect(MqttVersion.MQTT_3_1_1, "mover", false, 60).variableHeader().isSessionPresent());
        pub.send(publish("t", 1, 3, bytes("here again")));
        assertEquals(List.of(Route.allGroups("node-a")), a.log.routes.get(3), "its subscriptions are node-a's again");
        a.log.deliver();
        assertEquals(List.of(), received(back), "held until node-b has handed the session back");
        a.log.land(new MemoryDeliveryLog.HandOver("node-a", "mover", List.of(), null)); // node-b held nothing
        a.log.deliver();
        assertEquals(List.of("here again"), received(back));
    }

    @Test
    void aRecordNamingGroups_isServedOnlyForThem_andAGroupWithNoMemberHereIsCounted() {
        MqttHarness m2 = b.connect(MqttVersion.MQTT_5, "m2", 0);
        subscribed(m2, subscribe(1, "$share/g/t", 1));
        MqttHarness direct = b.connect(MqttVersion.MQTT_5, "direct", 0);
        subscribed(direct, subscribe(1, "t", 1));
        // node-a thinks the group's only member is on node-c, so node-b's record names no group
        a.broker.remoteSession("direct", "node-b", true, Map.of("t", 1), Map.of());
        a.broker.remoteSession("m9", "node-c", true, Map.of("$share/g/t", 1), Map.of());
        a.connect(MqttVersion.MQTT_5, "pub", 0).send(publish("t", 1, 1, bytes("one")));
        assertEquals(List.of(new Route("node-b", Set.of()), new Route("node-c", Set.of("g/t"))),
                a.log.routes.get(0));
        carry(a, b);
        assertEquals(List.of("one"), received(direct));
        assertEquals(List.of(), received(m2), "node-c serves the group for this message");

        // a record naming a group node-b has no member of any more: nobody here gets it, counted
        b.log.appendRoutes(new io.sluice.delivery.Message("t", bytes("two"), 1, false, "x", 0, 0, -1, null, null,
                null, List.of()), List.of(new Route("node-b", Set.of("g/t", "gone/t"))));
        b.log.deliver();
        assertEquals(List.of("two"), received(m2));
        assertEquals(List.of("two"), received(direct));
        assertEquals(1, b.stats.event("delivery_shared_no_member"));
    }
}
