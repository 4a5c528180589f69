package io.sluice.mqtt.internal;

import static io.sluice.mqtt.internal.DeliveryFixture.ack;
import static io.sluice.mqtt.internal.DeliveryFixture.packetId;
import static io.sluice.mqtt.internal.DeliveryFixture.publishes;
import static io.sluice.mqtt.internal.DeliveryFixture.subscribe;
import static io.sluice.mqtt.internal.MqttHarness.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.delivery.HandedMessage;
import io.sluice.delivery.Message;
import io.sluice.ingest.Delivery;
import io.sluice.mqtt.DeliveryLimits;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A session resumed on node-b from node-a, which never hands it over (it was killed): when
 * delivery.handover_timeout_ms passes, node-b reads node-a's partition from node-a's committed position and hands
 * what node-a would have delivered to the session over to its own partition (docs/DELIVERY.md, "Node death"). Real
 * MQTT bytes on EmbeddedChannels; node-a's delivery log in memory, read by node-b's scan.
 */
class FleetRecoveryTest {
    private final DeliveryFixture a = new DeliveryFixture("node-a");
    private DeliveryFixture b = new DeliveryFixture("node-b");

    @AfterEach
    void close() {
        a.close();
        b.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void subscribed(MqttHarness h, io.netty.handler.codec.mqtt.MqttMessage subscribe) {
        assertEquals(MqttMessageType.SUBACK, h.send(subscribe).get(0).fixedHeader().messageType());
    }

    private static List<String> texts(List<MqttPublishMessage> ps) {
        return ps.stream().map(DeliveryFixture::text).toList();
    }

    /** Makes {@code id} a session of {@code on} last on node-a (subscribed to t), and reconnects it there. */
    private static MqttHarness resumedFromA(DeliveryFixture on, String id, String filter) {
        MqttHarness first = on.connect(MqttVersion.MQTT_5, id, 60);
        subscribed(first, subscribe(1, filter, 1));
        first.close();
        on.broker.remoteSession(id, "node-a", true, Map.of(filter, 1), Map.of());
        MqttHarness back = on.client();
        assertTrue(back.connect(MqttVersion.MQTT_5, id, false, 60).variableHeader().isSessionPresent());
        return back;
    }

    /** What node-b handed over to its own partition (not what it handed node-a when the test made sessions move). */
    private List<MemoryDeliveryLog.HandOver> recoveries() {
        return b.log.handOvers.stream().filter(h -> h.node().equals("node-b")).toList();
    }

    private void timeOut(MqttHarness h) {
        h.server.advanceTimeBy(b.limits.handoverTimeoutMs(), TimeUnit.MILLISECONDS);
        h.server.runScheduledPendingTasks();
    }

    /** node-a: "mover" subscribed to t got sent-1 and sent-2 without acknowledging; "other" gets o-1 on o. */
    private void nodeAHoldsUnfinishedMessages() {
        MqttHarness mover = a.connect(MqttVersion.MQTT_5, "mover", 60);
        subscribed(mover, subscribe(1, "t", 1));
        MqttHarness other = a.connect(MqttVersion.MQTT_5, "other", 60);
        subscribed(other, subscribe(1, "o", 1));
        MqttHarness pub = a.connect(MqttVersion.MQTT_5, "pub", 0);
        pub.send(publish("t", 1, 1, bytes("sent-1")));
        pub.send(publish("o", 1, 2, bytes("o-1")));
        pub.send(publish("t", 1, 3, bytes("sent-2")));
        a.log.deliver();
        assertEquals(List.of("sent-1", "sent-2"), texts(publishes(mover.pump())), "sent, never acknowledged");
        assertEquals(0, a.log.committed, "nothing of node-a finished: it is killed now");
        b.log.peers.put("node-a", a.log);
    }

    @Test
    void afterTheHandoverTimeout_theNewNodeRecoversWhatTheDeadNodeHeld_withDup_beforeWhatItHeldItself() {
        nodeAHoldsUnfinishedMessages();
        MqttHarness back = resumedFromA(b, "mover", "t");
        MqttHarness pub = b.connect(MqttVersion.MQTT_5, "pub", 0);
        pub.send(publish("t", 1, 1, bytes("direct")));
        b.log.deliver();
        assertEquals(List.of(), publishes(back.pump()), "held");
        assertEquals(List.of(), b.log.scans, "node-a may still hand over: nothing read before the timeout");

        timeOut(back);
        assertEquals(List.of(), publishes(back.pump()), "still held: the recovery is not durable here yet");
        assertEquals(1, recoveries().size());
        var h = recoveries().get(0);
        assertEquals("node-b", h.node(), "written to this node's own partition");
        assertEquals("mover", h.clientId());
        assertEquals(List.of("sent-1", "sent-2"), h.messages().stream()
                .map(m -> new String(m.message().payload(), StandardCharsets.UTF_8)).toList(), "not o-1: not its");
        assertTrue(h.messages().stream().allMatch(HandedMessage::inflight), "all as in flight: node-a may have sent");

        b.log.land(h);
        b.log.deliver();
        List<MqttPublishMessage> got = publishes(back.pump());
        assertEquals(List.of("sent-1", "sent-2", "direct"), texts(got));
        assertEquals(List.of(true, true, false), got.stream().map(p -> p.fixedHeader().isDup()).toList());
        for (MqttPublishMessage p : got) {
            back.send(ack(MqttMessageType.PUBACK, packetId(p)));
        }
        assertEquals(b.log.appended.size(), b.log.committed, "every position of node-b finished");
        assertEquals(0, a.log.committed, "node-a's position untouched");
        assertEquals(1, b.stats.event("handover_timeout"));
        assertEquals(1, b.stats.event("recovery_scans"));
        assertEquals(1, b.stats.event("recovery_sessions"));
        assertEquals(2, b.stats.event("recovered"));
        assertEquals(0, b.stats.event("recovery_failed"));
    }

    @Test
    void messagesAddressedToTheSessionOnTheDeadNode_areRecoveredToo_andQos0IsNot() {
        b.log.peers.put("node-a", a.log);
        // node-a had the session handed over to it by a third node: records addressed to "mover", then the marker
        a.log.land(new MemoryDeliveryLog.HandOver("node-a", "mover", List.of(
                new HandedMessage(message("for-mover", 1), false),
                new HandedMessage(message("for-mover-2", 1), false)), null));
        a.log.land(new MemoryDeliveryLog.HandOver("node-a", "else", List.of(
                new HandedMessage(message("not-for-mover", 1), false)), null));
        a.log.appendRoutes(message("qos0", 0), List.of(io.sluice.delivery.Route.allGroups("node-a")));
        MqttHarness back = resumedFromA(b, "mover", "t");
        timeOut(back);
        assertEquals(List.of("for-mover", "for-mover-2"), recoveries().get(0).messages().stream()
                .map(m -> new String(m.message().payload(), StandardCharsets.UTF_8)).toList());
    }

    private static Message message(String text, int qos) {
        return new Message("t", bytes(text), qos, false, "pub", 1_700_000_000_000L, 0, -1, null, null, null, null);
    }

    @Test
    void sessionsTimingOutDuringAScan_areServedTogetherByTheNextOne_oneScanAtATimePerNode() {
        nodeAHoldsUnfinishedMessages();
        b.log.scansHeld = true;
        MqttHarness m1 = resumedFromA(b, "mover", "t");
        MqttHarness m2 = resumedFromA(b, "s2", "t");
        MqttHarness m3 = resumedFromA(b, "s3", "t");
        timeOut(m1);
        assertEquals(1, b.log.scans.size());
        timeOut(m2);
        timeOut(m3);
        assertEquals(1, b.log.scans.size(), "one scan at a time for node-a");

        b.log.runScan(b.log.scans.get(0));
        assertEquals(List.of("mover"), recoveries().stream().map(MemoryDeliveryLog.HandOver::clientId).toList());
        assertEquals(2, b.log.scans.size(), "the next scan starts when the first ends");
        b.log.runScan(b.log.scans.get(1));
        assertEquals(2, b.log.scans.size(), "s2 and s3 served by one scan");
        assertEquals(List.of("mover", "s2", "s3"), recoveries().stream()
                .map(MemoryDeliveryLog.HandOver::clientId).sorted().toList());
        assertEquals(2, b.stats.event("recovery_scans"));
        assertEquals(3, b.stats.event("recovery_sessions"));
        assertEquals(6, b.stats.event("recovered"));
        for (MqttHarness h : List.of(m1, m2, m3)) {
            assertEquals(List.of(), publishes(h.pump()));
        }
    }

    @Test
    void theOldNodesOwnMarker_arrivingWhileARecoveryIsPending_dropsThatRecovery() {
        nodeAHoldsUnfinishedMessages();
        b.log.scansHeld = true;
        MqttHarness back = resumedFromA(b, "mover", "t");
        MqttHarness pub = b.connect(MqttVersion.MQTT_5, "pub", 0);
        pub.send(publish("t", 1, 1, bytes("direct")));
        b.log.deliver();
        timeOut(back);
        assertEquals(1, b.log.scans.size());

        // node-a was slow, not dead: its handover lands now
        b.log.land(new MemoryDeliveryLog.HandOver("node-b", "mover", List.of(
                new HandedMessage(message("from-a", 1), true)), null));
        b.log.deliver();
        assertEquals(List.of("from-a", "direct"), texts(publishes(back.pump())));

        b.log.runScan(b.log.scans.get(0));
        assertEquals(List.of(), recoveries(), "nothing recovered: no duplicates");
        assertEquals(0, b.stats.event("recovery_sessions"));
        assertEquals(List.of(), publishes(back.pump()));
    }

    @Test
    void aScanThatFails_releasesTheHeldMessages_andIsCounted() {
        nodeAHoldsUnfinishedMessages();
        b.log.scanOutcome = Delivery.retryable("Kafka down");
        MqttHarness back = resumedFromA(b, "mover", "t");
        MqttHarness pub = b.connect(MqttVersion.MQTT_5, "pub", 0);
        pub.send(publish("t", 1, 1, bytes("direct")));
        b.log.deliver();
        timeOut(back);
        assertEquals(List.of("direct"), texts(publishes(back.pump())));
        assertEquals(1, b.stats.event("recovery_failed"));
        assertEquals(List.of(), recoveries());
    }

    @Test
    void aRecoveryThatFindsNothing_releasesTheHeldMessagesAtOnce() {
        b.log.peers.put("node-a", a.log);
        MqttHarness back = resumedFromA(b, "mover", "t");
        MqttHarness pub = b.connect(MqttVersion.MQTT_5, "pub", 0);
        pub.send(publish("t", 1, 1, bytes("direct")));
        b.log.deliver();
        timeOut(back);
        assertEquals(List.of("direct"), texts(publishes(back.pump())));
        assertEquals(1, b.stats.event("recovery_sessions"));
        assertEquals(0, b.stats.event("recovered"));
    }

    @Test
    void recoveredMessages_areBoundedPerSession_beyondItCountedQueueFull() {
        b.close();
        b = new DeliveryFixture("node-b", new DeliveryLimits(4, 1, 1 << 20, 1 << 20));
        nodeAHoldsUnfinishedMessages();
        MqttHarness back = resumedFromA(b, "mover", "t");
        timeOut(back);
        assertEquals(1, recoveries().get(0).messages().size());
        assertEquals(1, b.stats.event("queue_full"));
    }

    @Test
    void whatOneScanHolds_isBoundedByTheQueuedBytes_beyondItCountedQueuedBytesFull() {
        b.close();
        // "sent-1" weighs 6 + 2 x 1 + 160 B: room for one
        b = new DeliveryFixture("node-b", new DeliveryLimits(4, 100, 200, 1 << 20));
        nodeAHoldsUnfinishedMessages();
        MqttHarness back = resumedFromA(b, "mover", "t");
        timeOut(back);
        assertEquals(List.of("sent-1"), recoveries().get(0).messages().stream()
                .map(m -> new String(m.message().payload(), StandardCharsets.UTF_8)).toList());
        assertEquals(1, b.stats.event("queued_bytes_full"));
    }

    @Test
    void aSessionFromANodeThatStoppedGracefully_isRecoveredAtOnce_andItsTimeoutLaterChangesNothing() {
        nodeAHoldsUnfinishedMessages();
        b.log.stoppedNodes.add("node-a");
        MqttHarness back = resumedFromA(b, "mover", "t");
        assertEquals(1, b.stats.event("recovery_node_stopped"));
        assertEquals(1, b.log.scans.size(), "read at once, before any timeout");
        assertEquals(1, recoveries().size());
        MqttHarness pub = b.connect(MqttVersion.MQTT_5, "pub", 0);
        pub.send(publish("t", 1, 1, bytes("direct")));
        b.log.deliver();

        timeOut(back); // before the recovery is read back
        assertEquals(List.of(), publishes(back.pump()), "still held: the recovered messages go first");
        assertEquals(1, b.log.scans.size(), "no second read");

        b.log.land(recoveries().get(0));
        b.log.deliver();
        assertEquals(List.of("sent-1", "sent-2", "direct"), texts(publishes(back.pump())));
        assertEquals(1, b.stats.event("recovery_sessions"));
    }

    /**
     * A node that had not read where "mover" went writes its message to node-a's partition after node-b's scan of it
     * (node-a is stopped: nobody else reads that partition). node-b reads node-a's partition once more, a handover
     * timeout later, from where its scan ended: the late message is forwarded to "mover" here, and nothing the first
     * scan read comes again.
     */
    @Test
    void aMessageWrittenToTheStoppedNodesPartitionAfterTheScan_isForwardedByTheLateScan_once() {
        nodeAHoldsUnfinishedMessages();
        b.log.stoppedNodes.add("node-a");
        MqttHarness back = resumedFromA(b, "mover", "t");
        assertEquals(1, recoveries().size());
        b.log.land(recoveries().get(0));
        b.log.deliver();
        assertEquals(List.of("sent-1", "sent-2"), texts(publishes(back.pump())));
        assertEquals(List.of(), b.log.forwards, "nothing late yet");

        // a lagging node routes by what it last knew: node-a
        a.log.append(message("late", 1), List.of("node-a"));
        a.log.append(new Message("o", bytes("not its topic"), 1, false, "pub", 0, 0, -1, null, null, null, null),
                List.of("node-a"));
        assertEquals(1, b.runLater(), "one late scan, due a handover timeout after the scan");
        assertEquals(2, b.log.scans.size());
        assertTrue(b.log.scans.get(1).from() > 0, "from where the first scan ended: " + b.log.scans.get(1).from());
        assertEquals(1, b.log.forwards.size(), "only the late message its subscription matches");
        Object[] f = b.log.forwards.get(0);
        assertEquals("node-b", f[0], "to this node's own partition");
        assertEquals("mover", f[1]);
        assertEquals("late", new String(((Message) f[2]).payload(), StandardCharsets.UTF_8));
        assertEquals(1, b.stats.event("recovery_late_scans"));
        assertEquals(1, b.stats.event("recovered_late"));

        var fw = b.log.forwards.remove(0); // read back on node-b, as Kafka hands it: addressed to "mover"
        b.log.land(new MemoryDeliveryLog.HandOver("node-b", "mover", List.of(new HandedMessage((Message) fw[2],
                false)), null));
        b.log.deliver();
        List<MqttPublishMessage> got = publishes(back.pump());
        assertEquals(List.of("late"), texts(got));
        assertTrue(!got.get(0).fixedHeader().isDup(), "node-a never had it: no DUP");
    }

    @Test
    void aLateScanIsNotMade_forASessionThatLeftThisNodeMeanwhile() {
        nodeAHoldsUnfinishedMessages();
        b.log.stoppedNodes.add("node-a");
        resumedFromA(b, "mover", "t");
        b.log.land(recoveries().get(0));
        b.log.deliver();
        b.broker.remoteSession("mover", "node-c", true, Map.of("t", 1), Map.of()); // moved on to node-c
        a.log.append(message("late", 1), List.of("node-a"));
        assertEquals(1, b.runLater());
        assertEquals(1, b.log.scans.size(), "no second read of node-a for it");
        assertEquals(0, b.stats.event("recovery_late_scans"));
    }

    @Test
    void manySessionsResumedFromOneStoppedNode_askTheLogOnce_andAreRecoveredTogether() {
        nodeAHoldsUnfinishedMessages();
        b.log.stoppedNodes.add("node-a");
        // a reconnect storm: asking once per session queued thousands of questions behind the scans
        for (int i = 0; i < 20; i++) {
            resumedFromA(b, "storm-" + i, "t");
        }
        assertEquals(1, b.log.stoppedQuestions.get(), "one question for the node, its answer shared");
        assertEquals(20, b.stats.event("recovery_node_stopped"));
        b.clock.advance(java.time.Duration.ofMillis(1_000)); // Recovery.STOPPED_ANSWER_MS
        resumedFromA(b, "later", "t");
        assertEquals(2, b.log.stoppedQuestions.get(), "asked again once the answer is a second old");
    }

    @Test
    void aSessionThatDidNotComeFromAnotherNode_isNotRecovered() {
        b.log.peers.put("node-a", a.log);
        MqttHarness first = b.connect(MqttVersion.MQTT_5, "here", 60);
        subscribed(first, subscribe(1, "t", 1));
        first.close();
        MqttHarness back = b.client();
        assertTrue(back.connect(MqttVersion.MQTT_5, "here", false, 60).variableHeader().isSessionPresent());
        timeOut(back);
        assertEquals(List.of(), b.log.scans);
    }
}
