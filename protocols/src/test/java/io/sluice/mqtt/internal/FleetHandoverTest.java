package io.sluice.mqtt.internal;

import static io.sluice.mqtt.internal.DeliveryFixture.ack;
import static io.sluice.mqtt.internal.DeliveryFixture.packetId;
import static io.sluice.mqtt.internal.DeliveryFixture.publishes;
import static io.sluice.mqtt.internal.DeliveryFixture.subscribe;
import static io.sluice.mqtt.internal.DeliveryFixture.text;
import static io.sluice.mqtt.internal.MqttHarness.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.delivery.HandedMessage;
import io.sluice.delivery.Message;
import io.sluice.ingest.Delivery;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A persistent session that moves from one node to another (docs/DELIVERY.md, "A session that moves to another
 * node"): the old node hands its unacknowledged and queued messages over through the delivery log, the new node
 * sends them first (DUP for the unacknowledged ones) and holds what it matched itself until the handover-done
 * marker, or until delivery.handover_timeout_ms. Real MQTT bytes on EmbeddedChannels, delivery logs in memory.
 */
class FleetHandoverTest {
    private final DeliveryFixture a = new DeliveryFixture("node-a");
    private final DeliveryFixture b = new DeliveryFixture("node-b");

    @AfterEach
    void close() {
        a.close();
        b.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Message message(String text) {
        return new Message("t", bytes(text), 1, false, "pub", 1_700_000_000_000L, 0, -1, null, null, null, null);
    }

    private static void subscribed(MqttHarness h, io.netty.handler.codec.mqtt.MqttMessage subscribe) {
        assertEquals(MqttMessageType.SUBACK, h.send(subscribe).get(0).fixedHeader().messageType());
    }

    @Test
    void theOldNode_handsTheUnacknowledgedThenTheQueuedMessagesOver_inOrder_andFinishesThemOnlyOnceDurable() {
        a.log.handOversDurable = false;
        MqttHarness mover = a.connect(MqttVersion.MQTT_5, "mover", 60);
        subscribed(mover, subscribe(1, "t", 1));
        MqttHarness pub = a.connect(MqttVersion.MQTT_5, "pub", 0);
        pub.send(publish("t", 1, 1, bytes("sent-1")));
        pub.send(publish("t", 1, 2, bytes("sent-2")));
        a.log.deliver();
        assertEquals(2, publishes(mover.pump()).size(), "sent, never acknowledged");
        mover.close();
        pub.send(publish("t", 1, 3, bytes("queued-3")));
        a.log.deliver();
        assertEquals(0, a.log.committed, "nothing finished yet");

        a.broker.remoteSession("mover", "node-b", true, Map.of("t", 1), Map.of());

        assertFalse(a.broker.hasQueue("mover"));
        assertEquals(1, a.log.handOvers.size());
        var h = a.log.handOvers.get(0);
        assertEquals("node-b", h.node());
        assertEquals("mover", h.clientId());
        assertEquals(List.of("sent-1", "sent-2", "queued-3"),
                h.messages().stream().map(m -> new String(m.message().payload(), StandardCharsets.UTF_8)).toList());
        assertEquals(List.of(true, true, false), h.messages().stream().map(HandedMessage::inflight).toList());
        assertEquals(0, a.log.committed, "not finished until the handover is durable: a crash replays them");

        h.write().complete(Delivery.DELIVERED);
        assertEquals(3, a.log.committed, "finished once durable");
        assertEquals(3, a.stats.event("handover_sent"));
        assertEquals(1, a.stats.event("delivery_session_moved"));
    }

    @Test
    void aConnectionTakenOverFromAnotherNode_thatClosesBeforeTheMoveReachesDelivery_stillHandsItsMessagesOver() {
        // the sessions follower ends the connection (its close runs on the event loop) and then tells delivery of the
        // move; when the close ran first, the queue used to end with the connection and nothing was handed over
        a.log.handOversDurable = false;
        MqttHarness mover = a.connect(MqttVersion.MQTT_3_1_1, "mover", 60);
        subscribed(mover, subscribe(1, "t", 1));
        MqttHarness pub = a.connect(MqttVersion.MQTT_5, "pub", 0);
        pub.send(publish("t", 1, 1, bytes("sent-1")));
        pub.send(publish("t", 1, 2, bytes("sent-2")));
        a.log.deliver();
        assertEquals(2, publishes(mover.pump()).size(), "sent, never acknowledged");

        a.registry.live("mover").takeOverRemote("node-b");
        mover.pump(); // the close runs before delivery hears of the move
        assertFalse(mover.server.isActive());
        a.broker.remoteSession("mover", "node-b", true, Map.of("t", 1), Map.of());

        assertEquals(1, a.log.handOvers.size(), "handed over");
        var h = a.log.handOvers.get(0);
        assertEquals(List.of("sent-1", "sent-2"),
                h.messages().stream().map(m -> new String(m.message().payload(), StandardCharsets.UTF_8)).toList());
        assertEquals(List.of(true, true), h.messages().stream().map(HandedMessage::inflight).toList());
        assertEquals(0, a.log.committed, "not finished until the handover is durable");
        h.write().complete(Delivery.DELIVERED);
        assertEquals(2, a.log.committed);
    }

    @Test
    void aFailedHandover_isCountedAndFinished() {
        a.log.handOversDurable = false;
        offlineMoverWithOneQueuedMessage();
        a.broker.remoteSession("mover", "node-b", true, Map.of("t", 1), Map.of());
        a.log.handOvers.get(0).write().complete(Delivery.retryable("Kafka down"));
        assertEquals(1, a.stats.event("handover_failed"));
        assertEquals(1, a.log.committed);
    }

    /** Makes "mover" a session of node-b that was last on node-a, and reconnects it to node-b: session present. */
    private MqttHarness resumedOnB() {
        return resumedOn(b, "node-a");
    }

    private static MqttHarness resumedOn(DeliveryFixture b, String from) {
        MqttHarness first = b.connect(MqttVersion.MQTT_5, "mover", 60);
        subscribed(first, subscribe(1, "t", 1));
        first.close();
        b.broker.remoteSession("mover", from, false, Map.of("t", 1), Map.of()); // it went to the other node
        MqttHarness back = b.client();
        assertTrue(back.connect(MqttVersion.MQTT_5, "mover", false, 60).variableHeader().isSessionPresent());
        return back;
    }

    @Test
    void theNewNode_sendsTheHandedOverMessagesFirst_withDupForTheUnacknowledged_thenWhatItHeld() {
        MqttHarness back = resumedOnB();
        MqttHarness pub = b.connect(MqttVersion.MQTT_5, "pub", 0);
        pub.send(publish("t", 1, 1, bytes("direct")));
        b.log.deliver();
        assertEquals(List.of(), publishes(back.pump()), "held until the old node's handover is done");
        assertEquals(1, b.broker.view("mover").queued());

        b.log.land(new io.sluice.mqtt.internal.MemoryDeliveryLog.HandOver("node-b", "mover", List.of(
                new HandedMessage(message("sent-1"), true), new HandedMessage(message("queued-2"), false)), null));
        b.log.deliver();

        List<MqttPublishMessage> got = publishes(back.pump());
        assertEquals(List.of("sent-1", "queued-2", "direct"), got.stream().map(DeliveryFixture::text).toList());
        assertEquals(List.of(true, false, false), got.stream().map(p -> p.fixedHeader().isDup()).toList());
        long before = b.log.committed;
        for (MqttPublishMessage p : got) {
            back.send(ack(MqttMessageType.PUBACK, packetId(p)));
        }
        assertTrue(b.log.committed > before, "handed-over records are ordinary positions, finished when acknowledged");
        assertEquals(b.log.appended.size(), b.log.committed, "every position finished, the marker's too");
        assertEquals(2, b.stats.event("handover_received"));
        assertEquals(0, b.stats.event("handover_timeout"));
    }

    @Test
    void theNewNode_stopsHoldingAfterTheHandoverTimeout_andCountsIt() {
        MqttHarness back = resumedOnB();
        MqttHarness pub = b.connect(MqttVersion.MQTT_5, "pub", 0);
        pub.send(publish("t", 1, 1, bytes("direct")));
        b.log.deliver();
        assertEquals(List.of(), publishes(back.pump()));

        // the embedded event loop's clock runs on too: leave it a margin of a second
        back.server.advanceTimeBy(b.limits.handoverTimeoutMs() - 1_000, TimeUnit.MILLISECONDS);
        back.server.runScheduledPendingTasks();
        assertEquals(List.of(), publishes(back.pump()), "still within delivery.handover_timeout_ms");
        assertEquals(0, b.stats.event("handover_timeout"));
        back.server.advanceTimeBy(1_000, TimeUnit.MILLISECONDS);
        back.server.runScheduledPendingTasks();
        assertEquals(List.of("direct"), publishes(back.pump()).stream().map(DeliveryFixture::text).toList());
        assertEquals(1, b.stats.event("handover_timeout"));
    }

    @Test
    void anOfflineClient_getsTheHandedOverMessagesQueued_andAClientNotHere_isPassedOverAndCounted() {
        MqttHarness back = resumedOnB();
        back.close(); // offline again before the handover arrives
        b.log.land(new io.sluice.mqtt.internal.MemoryDeliveryLog.HandOver("node-b", "mover", List.of(
                new HandedMessage(message("queued-1"), false)), null));
        b.log.land(new io.sluice.mqtt.internal.MemoryDeliveryLog.HandOver("node-b", "stranger", List.of(
                new HandedMessage(message("for nobody"), false)), null));
        b.log.deliver();
        assertEquals(1, b.broker.view("mover").queued());
        assertEquals(2, b.stats.event("handover_not_here"), "the stranger's message and its marker");

        MqttHarness again = b.client();
        io.netty.handler.codec.mqtt.MqttProperties p = new io.netty.handler.codec.mqtt.MqttProperties();
        p.add(new io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty(
                io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), 60));
        var answers = again.send(io.netty.handler.codec.mqtt.MqttMessageBuilders.connect()
                .protocolVersion(MqttVersion.MQTT_5).clientId("mover").cleanSession(false).keepAlive(60)
                .properties(p).build());
        assertEquals(List.of("queued-1"), publishes(answers).stream().map(DeliveryFixture::text).toList());
    }

    @Test
    void messagesHeldForAHandover_countAgainstTheSessionQueueBound_andBeyondItAreDroppedAndCounted() {
        DeliveryFixture small = new DeliveryFixture(new io.sluice.mqtt.DeliveryLimits(4, 2, 1 << 20, 1 << 20));
        try {
            MqttHarness back = resumedOn(small, "node-x");
            MqttHarness pub = small.connect(MqttVersion.MQTT_5, "pub", 0);
            for (int i = 1; i <= 3; i++) {
                pub.send(publish("t", 1, i, bytes("direct-" + i)));
            }
            small.log.deliver();
            assertEquals(2, small.broker.view("mover").queued(), "held, up to the bound");
            assertEquals(1, small.stats.event("queue_full"));
            assertEquals(List.of(), publishes(back.pump()));
        } finally {
            small.close();
        }
    }

    /** node-a: "mover" subscribed to t and went offline; "queued" waits in its queue there. Returns the publisher. */
    private MqttHarness offlineMoverWithOneQueuedMessage() {
        MqttHarness mover = a.connect(MqttVersion.MQTT_5, "mover", 60);
        subscribed(mover, subscribe(1, "t", 1));
        mover.close();
        MqttHarness pub = a.connect(MqttVersion.MQTT_5, "pub", 0);
        pub.send(publish("t", 1, 1, bytes("queued")));
        a.log.deliver();
        return pub;
    }

    @Test
    void aSessionThatHasNoSubscriptionOnItsNewNode_getsNothingHandedOver() {
        offlineMoverWithOneQueuedMessage();
        a.broker.remoteSession("mover", "node-b", true, Map.of(), Map.of());
        assertEquals(List.of(), a.log.handOvers);
        assertEquals(1, a.stats.event("delivery_session_moved"));
        assertEquals(1, a.log.committed, "dropped, finished");
    }

    @Test
    void aMessageReadAfterTheHandover_forTheSessionThatMoved_isForwardedToItsNewNode_andFinishedOnceDurable() {
        MqttHarness pub = offlineMoverWithOneQueuedMessage();
        pub.send(publish("t", 1, 2, bytes("routed here before the move was known")));
        pub.send(publish("other", 1, 3, bytes("not its topic")));

        a.broker.remoteSession("mover", "node-b", true, Map.of("t", 1), Map.of());
        assertEquals(1, a.log.handOvers.size());
        a.log.deliver();

        assertEquals(1, a.log.forwards.size());
        Object[] f = a.log.forwards.get(0);
        assertEquals("node-b", f[0]);
        assertEquals("mover", f[1]);
        assertEquals("routed here before the move was known",
                new String(((Message) f[2]).payload(), StandardCharsets.UTF_8));
        assertEquals(1, a.stats.event("handover_forwarded"));
        assertEquals(a.log.appended.size(), a.log.committed, "every position finished");
    }

    /**
     * A node that stops a moment after a session moved away (a drain, then a stop) keeps forwarding until the
     * session's window has passed, so what lagging nodes still route to it is not left in its partition; at most
     * the cap it is given.
     */
    @Test
    void aStoppingNode_waitsForTheForwardingWindowOfASessionThatMovedAway_atMostItsCap() {
        MqttHarness mover = a.connect(MqttVersion.MQTT_5, "mover", 60);
        subscribed(mover, subscribe(1, "t", 1));
        mover.close();
        a.broker.remoteSession("mover", "node-b", true, Map.of("t", 1), Map.of());
        assertEquals(1, a.log.handOvers.size(), "handed over: the node is not stopping yet");
        assertEquals(1, a.broker.awaitForwarding(50), "its window is open (this clock stands still): cut at the cap");
        a.clock.advance(java.time.Duration.ofMillis(a.limits.handoverTimeoutMs()));
        assertEquals(0, a.broker.awaitForwarding(60_000), "its window has passed");
    }

    /**
     * Once a stopping node has no forwarding window open, a move it reads is not handed over (it could not forward
     * for it any more): the session's queue stays unfinished in its stored position, for the new node to recover
     * from its partition.
     */
    @Test
    void aMoveReadAfterTheStoppingNodesLastWindow_isLeftToTheNewNodesRecovery_itsPositionUnfinished() {
        offlineMoverWithOneQueuedMessage();
        long before = a.log.committed;
        assertEquals(0, a.broker.awaitForwarding(60_000), "nothing moved away: no wait");

        a.broker.remoteSession("mover", "node-b", true, Map.of("t", 1), Map.of());
        assertEquals(List.of(), a.log.handOvers, "not handed over");
        a.broker.remoteSession("mover", "node-b", true, Map.of("t", 1), Map.of()); // its next record, same move
        assertEquals(1, a.stats.event("handover_left_to_recovery"), "counted once per session");
        assertEquals(0, a.stats.event("delivery_session_moved"));
        assertEquals(before, a.log.committed, "the queued copy is still unfinished: its position is stored before it");
        assertEquals(before, a.broker.positions().lowestUnfinished());
    }

    @Test
    void aForwardedMessage_reachesTheClientOnItsNewNode_afterWhatWasHandedOverAndHeld() {
        MqttHarness back = resumedOnB();
        MqttHarness pub = b.connect(MqttVersion.MQTT_5, "pub", 0);
        pub.send(publish("t", 1, 1, bytes("direct")));
        b.log.deliver();
        b.log.land(new io.sluice.mqtt.internal.MemoryDeliveryLog.HandOver("node-b", "mover", List.of(
                new HandedMessage(message("queued"), false)), null));
        b.log.forward("node-b", "mover", message("forwarded")); // what node-a read after its handover
        // lands after the marker, as the old node's one sender thread writes it
        var fw = b.log.forwards.remove(0);
        b.log.land(new io.sluice.mqtt.internal.MemoryDeliveryLog.HandOver("node-b", "mover", List.of(
                new HandedMessage((Message) fw[2], false)), null));
        b.log.deliver();
        assertEquals(List.of("queued", "direct", "forwarded"),
                publishes(back.pump()).stream().map(DeliveryFixture::text).toList());
    }
}
