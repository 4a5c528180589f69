package io.sluice.mqtt.internal;

import static io.sluice.mqtt.internal.DeliveryFixture.ack;
import static io.sluice.mqtt.internal.DeliveryFixture.packetId;
import static io.sluice.mqtt.internal.DeliveryFixture.publishes;
import static io.sluice.mqtt.internal.DeliveryFixture.subscribe;
import static io.sluice.mqtt.internal.DeliveryFixture.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.delivery.Message;
import io.sluice.mqtt.DeliveryLimits;
import io.sluice.mqtt.internal.outbound.InflightRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Outbound QoS 2 across a restart of the node: a persistent subscriber's copy in flight comes back with the packet id
 * the client knows (PUBREL once its PUBREC was recorded, PUBLISH with DUP otherwise), never as a new message.
 * {@link DeliveryFixture#restart} is a kill -9 (nothing written on the way down); {@code recordAtShutdown} is what a
 * graceful shutdown adds.
 */
class OutboundQos2RestartTest {
    private DeliveryFixture node = new DeliveryFixture(new DeliveryLimits(4, 100, 1 << 20, 1 << 20));

    @AfterEach
    void close() {
        node.close();
    }

    /** A persistent MQTT 3.1.1 subscriber "sub" to "t" at QoS 2. */
    private MqttHarness subscriber() {
        MqttHarness sub = node.connect(MqttVersion.MQTT_3_1_1, "sub", 3600);
        sub.send(subscribe(1, "t", 2));
        return sub;
    }

    private void deliver(String... payloads) {
        for (String p : payloads) {
            node.log.append(new Message("t", p.getBytes(StandardCharsets.UTF_8), 2, false, "pub", node.clock.millis(),
                    0, -1, null, null, null, List.of()), List.of("node-a"));
        }
        node.log.deliver();
    }

    /** CONNECT of the persistent "sub" (clean session 0) on a new connection: the CONNACK and what follows. */
    private List<MqttMessage> reconnect() {
        MqttHarness again = node.client();
        List<MqttMessage> answers = again.send(MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_3_1_1)
                .clientId("sub").cleanSession(false).keepAlive(60).build());
        answers.addAll(again.pump());
        last = again;
        return answers;
    }

    private MqttHarness last;

    private static MqttMessage only(List<MqttMessage> answers, MqttMessageType type) {
        List<MqttMessage> of = answers.stream().filter(m -> m.fixedHeader().messageType() == type).toList();
        assertEquals(1, of.size(), "one " + type + " in " + answers);
        return of.get(0);
    }

    private InflightRecord stored() {
        byte[] v = node.store.data.get(InflightRecord.key("sub"));
        assertNotNull(v, "an outbound record in the sessions store");
        return InflightRecord.decode(v);
    }

    @Test
    void aPubrecdCopy_isResentAsPubrelWithItsPacketId_afterAKill9_notAsANewMessage() {
        MqttHarness sub = subscriber();
        deliver("m1");
        MqttPublishMessage got = publishes(sub.pump()).get(0);
        int k = packetId(got);
        List<MqttMessage> rel = sub.send(ack(MqttMessageType.PUBREC, k));
        assertEquals(k, packetId(only(rel, MqttMessageType.PUBREL)));
        assertEquals(List.of(new InflightRecord.Entry(0, k, true)), stored().entries(), "recorded before PUBREL");

        node = node.restart(); // no PUBCOMP: kill -9
        node.log.deliver();
        List<MqttMessage> answers = reconnect();
        assertEquals(k, packetId(only(answers, MqttMessageType.PUBREL)));
        assertTrue(publishes(answers).isEmpty(), "not the message again: " + answers);
        last.send(ack(MqttMessageType.PUBCOMP, k));
        assertEquals(1, node.log.committed, "finished by the PUBCOMP");

        deliver("m2");
        List<MqttPublishMessage> next = publishes(last.pump());
        assertEquals(List.of("m2"), next.stream().map(DeliveryFixture::text).toList());
    }

    @Test
    void aCopyOnlyPublished_isRecordedBeforeItsPublish_andAfterAKill9_isResentWithItsPacketIdAndDup() {
        MqttHarness sub = subscriber();
        deliver("m1");
        MqttPublishMessage got = publishes(sub.pump()).get(0);
        assertFalse(got.fixedHeader().isDup());
        assertEquals(List.of(new InflightRecord.Entry(0, packetId(got), false)), stored().entries(),
                "recorded before the PUBLISH went out");

        node = node.restart(); // no PUBREC: kill -9
        node.log.deliver();
        List<MqttMessage> answers = reconnect();
        MqttPublishMessage again = publishes(answers).get(0);
        assertEquals("m1", text(again));
        assertEquals(packetId(got), packetId(again), "the packet id the client knows");
        assertTrue(again.fixedHeader().isDup(), "DUP=1");
    }

    @Test
    void aGracefulShutdown_writesTheSessionsWhoseQos2StateChangedSinceTheirLastRecord() {
        MqttHarness sub = subscriber();
        deliver("m1");
        int k = packetId(publishes(sub.pump()).get(0));
        sub.send(ack(MqttMessageType.PUBREC, k));
        sub.send(ack(MqttMessageType.PUBCOMP, k));
        assertEquals(List.of(new InflightRecord.Entry(0, k, true)), stored().entries(), "PUBCOMP writes nothing");
        sub.server.close();
        sub.pump();
        assertEquals(1, node.broker.recordAtShutdown(1_000), "one session written");
        assertEquals(new InflightRecord("node-a", 1, List.of()), stored());
        assertEquals(0, node.broker.recordAtShutdown(1_000), "nothing changed since");
    }

    @Test
    void aQos2CopyWhoseRecordCannotBeWritten_isNotSent_andComesAsAFirstSendOnTheNextConnection() {
        MqttHarness sub = subscriber();
        node.store.failing = true;
        deliver("m1");
        List<MqttMessage> answers = sub.pump();
        assertTrue(publishes(answers).isEmpty(), "not sent unrecorded: " + answers);
        assertFalse(sub.server.isActive());
        assertEquals(1, node.stats.event("delivery_qos2_record_failed"));

        node.store.failing = false;
        MqttPublishMessage first = publishes(reconnect()).get(0);
        assertEquals("m1", text(first));
        assertFalse(first.fixedHeader().isDup(), "it never went out");
        assertEquals(List.of(new InflightRecord.Entry(0, packetId(first), false)), stored().entries());
    }

    @Test
    void aRecordedPacketId_isNotGivenToAnotherCopy_andACopyFinishedBeforeTheRestart_isNotSentAgain() {
        MqttHarness sub = subscriber();
        deliver("m1", "m2");
        List<MqttPublishMessage> sent = publishes(sub.pump());
        int k1 = packetId(sent.get(0));
        int k2 = packetId(sent.get(1));
        sub.send(ack(MqttMessageType.PUBREC, k2));
        sub.send(ack(MqttMessageType.PUBCOMP, k2)); // m2 done; m1 holds the committed position at 0
        sub.send(ack(MqttMessageType.PUBREC, k1)); // the record now lists m1 only, everything below 2 else done
        assertEquals(new InflightRecord("node-a", 2, List.of(new InflightRecord.Entry(0, k1, true))), stored());
        assertEquals(0, node.log.committed);

        node = node.restart();
        deliver("m3");
        List<MqttMessage> answers = reconnect();
        assertEquals(k1, packetId(only(answers, MqttMessageType.PUBREL)));
        List<MqttPublishMessage> publishes = publishes(answers);
        assertEquals(List.of("m3"), publishes.stream().map(DeliveryFixture::text).toList(), "m2 not again");
        assertNotEquals(k1, packetId(publishes.get(0)), "m1's id is still held");
        assertEquals(1, node.stats.event("delivery_qos2_finished_before_restart"));
        last.send(ack(MqttMessageType.PUBCOMP, k1));
        assertEquals(2, node.log.committed);
    }

    @Test
    void aPubrecThatCannotBeRecorded_getsNoPubrel_andTheConnectionCloses() {
        MqttHarness sub = subscriber();
        deliver("m1");
        int k = packetId(publishes(sub.pump()).get(0));
        node.store.failing = true;
        List<MqttMessage> answers = sub.send(ack(MqttMessageType.PUBREC, k));
        assertTrue(answers.stream().noneMatch(m -> m.fixedHeader().messageType() == MqttMessageType.PUBREL),
                "no PUBREL: " + answers);
        assertFalse(sub.server.isActive(), "closed, so the client resends its PUBREC on the next connection");
        assertEquals(1, node.stats.event("delivery_qos2_record_failed"));

        node.store.failing = false;
        List<MqttMessage> again = reconnect();
        MqttPublishMessage resent = publishes(again).get(0);
        assertEquals(k, packetId(resent));
        assertTrue(resent.fixedHeader().isDup());
        assertEquals(k, packetId(only(last.send(ack(MqttMessageType.PUBREC, k)), MqttMessageType.PUBREL)));
    }

    @Test
    void aPersistentMqtt5Session_hasAtMostMaxInflightPerSessionQos2CopiesInFlight_whateverItsReceiveMaximum() {
        MqttHarness sub = node.connect(MqttVersion.MQTT_5, "sub", 3600); // Receive Maximum absent: 65,535
        sub.send(subscribe(1, "t", 2));
        deliver("m1", "m2", "m3", "m4", "m5", "m6");
        List<MqttPublishMessage> sent = publishes(sub.pump());
        assertEquals(4, sent.size(), "delivery.max_inflight_per_session is 4 here");
        sub.send(ack(MqttMessageType.PUBREC, packetId(sent.get(0))));
        List<MqttPublishMessage> next = publishes(sub.send(ack(MqttMessageType.PUBCOMP, packetId(sent.get(0)))));
        assertEquals(List.of("m5"), next.stream().map(DeliveryFixture::text).toList());
        assertTrue(stored().entries().size() <= 4);
    }

    @Test
    void aRecordWrittenByAnotherNode_isNotApplied_sinceItsPositionsAreInThatNodesPartition() {
        MqttHarness sub = subscriber();
        deliver("m1");
        int k = packetId(publishes(sub.pump()).get(0));
        sub.send(ack(MqttMessageType.PUBREC, k));
        InflightRecord mine = stored();
        node.store.data.put(InflightRecord.key("sub"),
                new InflightRecord("node-b", mine.doneBefore(), mine.entries()).encode());

        node = node.restart();
        node.log.deliver();
        List<MqttMessage> answers = reconnect();
        assertTrue(answers.stream().noneMatch(m -> m.fixedHeader().messageType() == MqttMessageType.PUBREL),
                "nothing resumed: " + answers);
        assertEquals(List.of("m1"), publishes(answers).stream().map(DeliveryFixture::text).toList());
    }

    @Test
    void aRecordedIdWhoseMessageDoesNotComeAgain_getsAPubrelBeforeTheIdIsReused() {
        MqttHarness sub = subscriber();
        node.log.append(new Message("t", "m1".getBytes(StandardCharsets.UTF_8), 2, false, "pub", node.clock.millis(),
                10, -1, null, null, null, List.of()), List.of("node-a")); // expires in 10 s
        node.log.deliver();
        int k = packetId(publishes(sub.pump()).get(0));
        sub.send(ack(MqttMessageType.PUBREC, k)); // the client holds k until its PUBREL

        node.clock.advance(java.time.Duration.ofSeconds(20));
        node = node.restart();
        node.log.deliver(); // m1 has expired: no copy for "sub", its entry lapses once a later message comes
        deliver("m2");
        List<MqttMessage> answers = reconnect();
        int pubrel = -1;
        int publish = -1;
        for (int i = 0; i < answers.size(); i++) {
            MqttMessage m = answers.get(i);
            if (m.fixedHeader().messageType() == MqttMessageType.PUBREL && packetId(m) == k) {
                pubrel = i;
            } else if (m instanceof MqttPublishMessage p && packetId(p) == k) {
                publish = i;
            }
        }
        assertTrue(pubrel > 0, "PUBREL " + k + " in " + answers);
        assertTrue(publish < 0 || pubrel < publish, "before a PUBLISH reusing the id: " + answers);
        assertEquals(List.of("m2"), publishes(answers).stream().map(DeliveryFixture::text).toList());
        assertEquals(1, node.stats.event("delivery_pubrel_lapsed"));
    }

    @Test
    void aSessionThatEnds_takesItsRecordWithIt() {
        MqttHarness sub = subscriber();
        deliver("m1");
        int k = packetId(publishes(sub.pump()).get(0));
        sub.send(ack(MqttMessageType.PUBREC, k));
        stored();
        sub.server.close();
        sub.pump();
        node.client().connect(MqttVersion.MQTT_3_1_1, "sub", true, 0); // clean session: the old one ends
        assertFalse(node.store.data.containsKey(InflightRecord.key("sub")));
    }
}
