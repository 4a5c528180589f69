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
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.ingest.Delivery;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Publish/subscribe through the delivery log, on EmbeddedChannels with real MQTT bytes and an in-memory log. */
class DeliveryTest {
    private DeliveryFixture node = new DeliveryFixture();

    @AfterEach
    void close() {
        node.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<MqttMessage> subscribed(MqttHarness h, MqttMessage subscribe) {
        List<MqttMessage> a = h.send(subscribe);
        assertEquals(MqttMessageType.SUBACK, a.get(0).fixedHeader().messageType());
        return a;
    }

    @Test
    void aMessageReachesASubscriber_onlyAfterTheLogHandsItBack() {
        MqttHarness sub = node.connect(MqttVersion.MQTT_3_1_1, "sub", 0);
        subscribed(sub, subscribe(1, "t/#", 1));
        MqttHarness pub = node.connect(MqttVersion.MQTT_3_1_1, "pub", 0);
        List<MqttMessage> acks = pub.send(publish("t/a", 1, 5, bytes("hello")));
        assertEquals(MqttMessageType.PUBACK, acks.get(0).fixedHeader().messageType(), "acked once both logs hold it");
        assertEquals(1, node.log.appended.size());
        assertEquals(List.of("node-a"), node.log.appendedTo.get(0));
        assertTrue(sub.pump().isEmpty(), "nothing from a side path in memory");

        node.log.deliver();
        List<MqttPublishMessage> got = publishes(sub.pump());
        assertEquals(1, got.size());
        assertEquals("t/a", got.get(0).variableHeader().topicName());
        assertEquals("hello", text(got.get(0)));
        assertEquals(1, got.get(0).fixedHeader().qosLevel().value());
        assertFalse(got.get(0).fixedHeader().isRetain());
        assertEquals(0, node.log.committed, "not finished before the subscriber's PUBACK");
        assertEquals(1, node.stats.deliveriesSent.sum());
        assertEquals(1, node.stats.deliveryInflight.get());
        assertEquals(1, node.stats.deliveryQueued.get());

        sub.send(ack(MqttMessageType.PUBACK, packetId(got.get(0))));
        assertEquals(1, node.log.committed, "finished: the log may move past it");
        assertEquals(0, node.stats.deliveryInflight.get());
        assertEquals(0, node.stats.deliveryQueued.get());
        assertEquals(1, node.stats.deliveriesCompleted.sum());
        assertEquals(0, node.broker.queuedBytes());
    }

    @Test
    void publishToDeliveryLatency_isReported() {
        java.util.List<Long> seen = new java.util.ArrayList<>();
        node.stats.onDeliveryLatency(seen::add);
        MqttHarness sub = node.connect(MqttVersion.MQTT_5, "sub", 0);
        subscribed(sub, subscribe(1, "t", 0));
        node.connect(MqttVersion.MQTT_5, "pub", 0).send(publish("t", 0, 0, bytes("x")));
        node.clock.advance(java.time.Duration.ofMillis(7));
        node.log.deliver();
        sub.pump();
        assertEquals(List.of(7L), seen);
    }

    @Test
    void aMessageNobodySubscribedTo_isNotWrittenToTheDeliveryLog() {
        MqttHarness pub = node.connect(MqttVersion.MQTT_5, "pub", 0);
        assertEquals(MqttMessageType.PUBACK, pub.send(publish("nobody/listens", 1, 1, bytes("x"))).get(0)
                .fixedHeader().messageType());
        assertTrue(node.log.appended.isEmpty());
        assertFalse(node.broker.hasQueue("pub"), "a connection that never subscribed holds nothing of delivery");
    }

    @Test
    void aPublishTheDeliveryLogDidNotTake_isNotAcknowledged() {
        MqttHarness sub = node.connect(MqttVersion.MQTT_3_1_1, "sub", 0);
        subscribed(sub, subscribe(1, "t", 1));
        node.log.outcome = Delivery.retryable("delivery topic unreachable");
        MqttHarness pub = node.connect(MqttVersion.MQTT_3_1_1, "pub", 0);
        List<MqttMessage> answers = pub.send(publish("t", 1, 9, bytes("x")));
        assertTrue(answers.stream().noneMatch(m -> m.fixedHeader().messageType() == MqttMessageType.PUBACK));
        assertFalse(pub.server.isActive(), "closed so the client retransmits");
    }

    @Test
    void qos_isDowngradedToTheGrantedOne_andQos0IsFinishedWhenWritten() {
        MqttHarness sub = node.connect(MqttVersion.MQTT_3_1_1, "sub", 0);
        subscribed(sub, subscribe(1, "t", 0));
        node.connect(MqttVersion.MQTT_3_1_1, "pub", 0).send(publish("t", 1, 1, bytes("x")));
        node.log.deliver();
        List<MqttPublishMessage> got = publishes(sub.pump());
        assertEquals(0, got.get(0).fixedHeader().qosLevel().value());
        assertEquals(1, node.log.committed);
    }

    @Test
    void overlappingSubscriptions_giveOneCopy_withEverySubscriptionIdentifier() {
        MqttHarness sub = node.connect(MqttVersion.MQTT_5, "sub", 0);
        subscribed(sub, subscribe(1, "a/+", option(0, false, false, 0), 11));
        subscribed(sub, subscribe(2, "a/#", option(1, false, false, 0), 22));
        node.connect(MqttVersion.MQTT_5, "pub", 0).send(publish("a/b", 1, 1, bytes("x")));
        node.log.deliver();
        List<MqttPublishMessage> got = publishes(sub.pump());
        assertEquals(1, got.size());
        assertEquals(1, got.get(0).fixedHeader().qosLevel().value(), "the highest granted QoS");
        List<Integer> ids = got.get(0).variableHeader().properties()
                .getProperties(MqttProperties.SUBSCRIPTION_IDENTIFIER).stream()
                .map(p -> (Integer) p.value()).sorted().toList();
        assertEquals(List.of(11, 22), ids);
    }

    @Test
    void noLocal_keepsAClientsOwnMessagesFromIt() {
        MqttHarness me = node.connect(MqttVersion.MQTT_5, "me", 0);
        subscribed(me, subscribe(1, "chat", option(1, true, false, 0), 0));
        MqttHarness other = node.connect(MqttVersion.MQTT_5, "other", 0);
        subscribed(other, subscribe(1, "chat", option(1, false, false, 0), 0));
        me.send(publish("chat", 0, 0, bytes("hi")));
        node.log.deliver();
        assertTrue(publishes(me.pump()).isEmpty());
        assertEquals(1, publishes(other.pump()).size());
    }

    @Test
    void theClientsReceiveMaximum_boundsMessagesInFlight() {
        MqttHarness sub = node.client();
        MqttProperties p = new MqttProperties();
        p.add(new MqttProperties.IntegerProperty(MqttProperties.RECEIVE_MAXIMUM, 2));
        DeliveryFixture.connect(sub, "sub", true, p);
        subscribed(sub, subscribe(1, "t", option(1, false, false, 0), 0));
        MqttHarness pub = node.connect(MqttVersion.MQTT_5, "pub", 0);
        for (int i = 0; i < 5; i++) {
            pub.send(publish("t", 1, i + 1, bytes("m" + i)));
        }
        node.log.deliver();
        List<MqttPublishMessage> first = publishes(sub.pump());
        assertEquals(List.of("m0", "m1"), first.stream().map(DeliveryFixture::text).toList());
        List<MqttPublishMessage> next = publishes(sub.send(ack(MqttMessageType.PUBACK, packetId(first.get(0)))));
        assertEquals(List.of("m2"), next.stream().map(DeliveryFixture::text).toList());
    }

    @Test
    void mqtt311Subscribers_getTheConfiguredInflightWindow() {
        MqttHarness sub = node.connect(MqttVersion.MQTT_3_1_1, "sub", 0);
        subscribed(sub, subscribe(1, "t", 1));
        MqttHarness pub = node.connect(MqttVersion.MQTT_3_1_1, "pub", 0);
        for (int i = 0; i < 6; i++) {
            pub.send(publish("t", 1, i + 1, bytes("m" + i)));
        }
        node.log.deliver();
        assertEquals(node.limits.maxInflightPerSession(), publishes(sub.pump()).size());
    }

    @Test
    void aMessageLargerThanTheClientsMaximumPacketSize_isDroppedAndCounted() {
        MqttHarness sub = node.client();
        MqttProperties p = new MqttProperties();
        p.add(new MqttProperties.IntegerProperty(MqttProperties.MAXIMUM_PACKET_SIZE, 64));
        DeliveryFixture.connect(sub, "sub", true, p);
        subscribed(sub, subscribe(1, "t", option(1, false, false, 0), 0));
        MqttHarness pub = node.connect(MqttVersion.MQTT_5, "pub", 0);
        pub.send(publish("t", 1, 1, new byte[100]));
        pub.send(publish("t", 1, 2, bytes("small")));
        node.log.deliver();
        List<MqttPublishMessage> got = publishes(sub.pump());
        assertEquals(List.of("small"), got.stream().map(DeliveryFixture::text).toList());
        assertEquals(1, node.stats.event("delivery_too_large_for_client"));
    }

    /**
     * A client that allows topic aliases (MQTT 5 Topic Alias Maximum in its CONNECT) gets them: the first PUBLISH of a
     * topic carries the topic and sets an alias, later ones the alias and an empty topic; beyond the client's maximum
     * topics go in full. A client that allows none gets none.
     */
    @Test
    void topicAliases_setByTheFirstPublishOfATopic_usedAfter_withinTheClientsMaximum() {
        MqttHarness sub = node.client();
        MqttProperties p = new MqttProperties();
        p.add(new MqttProperties.IntegerProperty(MqttProperties.TOPIC_ALIAS_MAXIMUM, 2));
        DeliveryFixture.connect(sub, "sub", true, p);
        subscribed(sub, subscribe(1, "t/#", option(1, false, false, 0), 0));
        MqttHarness plain = node.connect(MqttVersion.MQTT_5, "plain", 0);
        subscribed(plain, subscribe(1, "t/#", option(1, false, false, 0), 0));
        MqttHarness pub = node.connect(MqttVersion.MQTT_5, "pub", 0);
        String[] topics = {"t/a", "t/a", "t/b", "t/c", "t/a", "t/c"};
        for (int i = 0; i < topics.length; i++) {
            pub.send(publish(topics[i], 1, i + 1, bytes("m" + i)));
        }
        node.log.deliver();
        List<MqttPublishMessage> got = publishes(sub.pump());
        assertEquals(List.of("t/a", "", "t/b", "t/c", "", "t/c"),
                got.stream().map(m -> m.variableHeader().topicName()).toList());
        assertEquals(java.util.Arrays.asList(1, 1, 2, null, 1, null), got.stream().map(m -> {
            var a = m.variableHeader().properties().getProperty(MqttProperties.TOPIC_ALIAS);
            return a == null ? null : (Integer) a.value();
        }).toList());
        List<MqttPublishMessage> plainGot = publishes(plain.pump());
        assertEquals(List.of(topics), plainGot.stream().map(m -> m.variableHeader().topicName()).toList());
        assertTrue(plainGot.stream().allMatch(m ->
                m.variableHeader().properties().getProperty(MqttProperties.TOPIC_ALIAS) == null));
    }

    @Test
    void messageExpiry_dropsExpiredMessages_andSendsTheRemainingInterval() {
        MqttHarness sub = node.connect(MqttVersion.MQTT_5, "sub", 0);
        subscribed(sub, subscribe(1, "t", option(1, false, false, 0), 0));
        MqttHarness pub = node.connect(MqttVersion.MQTT_5, "pub", 0);
        pub.send(publish("t", 1, 1, bytes("short"), expiry(10)));
        pub.send(publish("t", 1, 2, bytes("long"), expiry(100)));
        node.clock.advance(java.time.Duration.ofSeconds(30));
        node.log.deliver();
        List<MqttPublishMessage> got = publishes(sub.pump());
        assertEquals(List.of("long"), got.stream().map(DeliveryFixture::text).toList());
        assertEquals(70, got.get(0).variableHeader().properties()
                .getProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL).value());
        assertEquals(1, node.stats.event("delivery_expired"));
    }

    private static MqttProperties expiry(int seconds) {
        MqttProperties p = new MqttProperties();
        p.add(new MqttProperties.IntegerProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL, seconds));
        return p;
    }

    @Test
    void retainAsPublished_keepsTheRetainFlag_otherwiseItIsCleared() {
        MqttHarness rap = node.connect(MqttVersion.MQTT_5, "rap", 0);
        subscribed(rap, subscribe(1, "t", option(1, false, true, 2), 0));
        MqttHarness plain = node.connect(MqttVersion.MQTT_5, "plain", 0);
        subscribed(plain, subscribe(1, "t", option(1, false, false, 2), 0));
        node.connect(MqttVersion.MQTT_5, "pub", 0).send(DeliveryFixture.retained("t", 1, 1, bytes("r")));
        node.log.deliver();
        assertTrue(publishes(rap.pump()).get(0).fixedHeader().isRetain());
        assertFalse(publishes(plain.pump()).get(0).fixedHeader().isRetain());
    }

    @Test
    void retainedMessages_areServedOnSubscribe_asRetainHandlingSays() {
        MqttHarness pub = node.connect(MqttVersion.MQTT_5, "pub", 0);
        MqttConnAckMessage connack = DeliveryFixture.connect(node.client(), "probe", true, MqttProperties.NO_PROPERTIES);
        assertEquals(1, connack.variableHeader().properties().getProperty(MqttProperties.RETAIN_AVAILABLE).value());
        assertEquals(MqttMessageType.PUBACK, pub.send(DeliveryFixture.retained("cfg/a", 1, 1, bytes("A")))
                .get(0).fixedHeader().messageType());
        assertEquals(1, node.log.retainWrites.size(), "written to the retained topic");
        MqttHarness early = node.connect(MqttVersion.MQTT_5, "early", 0);
        assertEquals(1, early.send(subscribe(1, "cfg/#", 1)).size(), "not served before the log holds it");

        node.log.deliver(); // the retained topic hands it back: now it is served
        MqttHarness sub = node.connect(MqttVersion.MQTT_5, "sub", 0);
        List<MqttMessage> answers = sub.send(subscribe(1, "cfg/#", option(1, false, false, 0), 0));
        answers.addAll(sub.pump());
        assertEquals(MqttMessageType.SUBACK, answers.get(0).fixedHeader().messageType(), "SUBACK first");
        MqttPublishMessage r = publishes(answers).get(0);
        assertTrue(r.fixedHeader().isRetain());
        assertEquals("A", text(r));
        sub.send(ack(MqttMessageType.PUBACK, packetId(r)));

        // retain handling 1: only for a subscription that did not exist yet
        MqttHarness once = node.connect(MqttVersion.MQTT_5, "once", 0);
        List<MqttMessage> a1 = once.send(subscribe(1, "cfg/a", option(0, false, false, 1), 0));
        a1.addAll(once.pump());
        assertEquals(1, publishes(a1).size());
        List<MqttMessage> a2 = once.send(subscribe(2, "cfg/a", option(0, false, false, 1), 0));
        a2.addAll(once.pump());
        assertEquals(0, publishes(a2).size());
        // retain handling 2: never
        MqttHarness never = node.connect(MqttVersion.MQTT_5, "never", 0);
        List<MqttMessage> a3 = never.send(subscribe(1, "cfg/a", option(0, false, false, 2), 0));
        a3.addAll(never.pump());
        assertEquals(0, publishes(a3).size());

        // an empty retained payload deletes it
        pub.send(DeliveryFixture.retained("cfg/a", 1, 2, new byte[0]));
        node.log.deliver();
        MqttHarness later = node.connect(MqttVersion.MQTT_5, "later", 0);
        List<MqttMessage> a4 = later.send(subscribe(1, "cfg/#", 1));
        a4.addAll(later.pump());
        assertEquals(0, publishes(a4).size());
    }

    @Test
    void retainedMessages_beyondTheirBound_areRefused_butReplacingOneStaysAllowed() {
        node.close();
        node = new DeliveryFixture(new io.sluice.mqtt.DeliveryLimits(4, 100, 1 << 20, 400)); // "a", 10 B: 372 B
        MqttHarness pub = node.connect(MqttVersion.MQTT_5, "pub", 0);
        assertEquals(0, reason(pub.send(DeliveryFixture.retained("a", 1, 1, new byte[10])).get(0)));
        node.log.deliver();
        MqttMessage refused = pub.send(DeliveryFixture.retained("b", 1, 2, new byte[10])).get(0);
        assertEquals(MqttMessageType.PUBACK, refused.fixedHeader().messageType());
        assertEquals(0x80, reason(refused), "refused for good: the retained map is full");
        assertEquals(1, node.log.retainWrites.size(), "nothing written to the retained topic");
        assertEquals(1, node.stats.event("retained_full"));
        assertEquals(0, reason(pub.send(DeliveryFixture.retained("a", 1, 3, new byte[20])).get(0)), "replacing");
        node.log.deliver();
        assertTrue(node.broker.retained().bytes() <= 400);
    }

    private static int reason(MqttMessage puback) {
        return ((io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader) puback.variableHeader()).reasonCode()
                & 0xff;
    }

    @Test
    void qos2Outbound_runsPubrecPubrelPubcomp() {
        MqttHarness sub = node.connect(MqttVersion.MQTT_5, "sub", 0);
        MqttSubAckMessage suback = (MqttSubAckMessage) subscribed(sub, subscribe(1, "t", 2)).get(0);
        assertEquals(2, suback.payload().grantedQoSLevels().get(0));
        // a QoS 2 message reaches the log from a QoS 1 publisher here (inbound QoS 2 is not this test's subject)
        node.log.append(new io.sluice.delivery.Message("t", bytes("x"), 2, false, "pub", node.clock.millis(), 0, -1,
                null, null, null, List.of()), List.of("node-a"));
        node.log.deliver();
        MqttPublishMessage got = publishes(sub.pump()).get(0);
        assertEquals(2, got.fixedHeader().qosLevel().value());
        List<MqttMessage> rel = sub.send(ack(MqttMessageType.PUBREC, packetId(got)));
        assertEquals(MqttMessageType.PUBREL, rel.get(0).fixedHeader().messageType());
        assertEquals(packetId(got), packetId(rel.get(0)));
        assertEquals(0, node.log.committed, "not finished before PUBCOMP");
        sub.send(ack(MqttMessageType.PUBCOMP, packetId(got)));
        assertEquals(1, node.log.committed);
    }

    @Test
    void sharedSubscription_givesEachMessageToOneMember_inTurn() {
        MqttHarness a = node.connect(MqttVersion.MQTT_5, "a", 0);
        MqttHarness b = node.connect(MqttVersion.MQTT_5, "b", 0);
        MqttSubAckMessage ack = (MqttSubAckMessage) subscribed(a, subscribe(1, "$share/g/jobs/+", 1)).get(0);
        assertEquals(1, ack.payload().grantedQoSLevels().get(0));
        subscribed(b, subscribe(1, "$share/g/jobs/+", 1));
        MqttHarness pub = node.connect(MqttVersion.MQTT_5, "pub", 0);
        for (int i = 0; i < 4; i++) {
            pub.send(publish("jobs/x", 0, 0, bytes("j" + i)));
        }
        node.log.deliver();
        assertEquals(2, publishes(a.pump()).size());
        assertEquals(2, publishes(b.pump()).size());
    }

    @Test
    void sharedSubscription_withNoLocal_isAProtocolError() {
        MqttHarness a = node.connect(MqttVersion.MQTT_5, "a", 0);
        List<MqttMessage> answers = a.send(subscribe(1, "$share/g/t", option(1, true, false, 0), 0));
        assertEquals(MqttMessageType.DISCONNECT, answers.get(0).fixedHeader().messageType());
        assertEquals(1, node.stats.event("shared_subscription_no_local"));
    }

    @Test
    void connack_advertisesWhatDeliverySupports() {
        MqttConnAckMessage c = DeliveryFixture.connect(node.client(), "c", true, MqttProperties.NO_PROPERTIES);
        MqttProperties p = c.variableHeader().properties();
        assertEquals(1, p.getProperty(MqttProperties.RETAIN_AVAILABLE).value());
        assertEquals(1, p.getProperty(MqttProperties.SHARED_SUBSCRIPTION_AVAILABLE).value());
        assertEquals(1, p.getProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER_AVAILABLE).value());
        assertEquals(1, p.getProperty(MqttProperties.WILDCARD_SUBSCRIPTION_AVAILABLE).value());
    }

    @Test
    void anUnknownPuback_isCountedAndIgnored() {
        MqttHarness sub = node.connect(MqttVersion.MQTT_5, "sub", 0);
        subscribed(sub, subscribe(1, "t", 1));
        assertTrue(sub.send(ack(MqttMessageType.PUBACK, 77)).isEmpty());
        assertTrue(sub.server.isActive());
        assertEquals(1, node.stats.event("puback_unknown_packet_id"));
    }

    @Test
    void nothingIsWrittenWhileTheSubscribersSocketIsNotWritable_andEverythingFollowsOnceItIs() {
        MqttHarness sub = node.connect(MqttVersion.MQTT_5, "sub", 0);
        subscribed(sub, subscribe(1, "t", 0));
        sub.server.unsafe().outboundBuffer().setUserDefinedWritability(1, false); // as a full send buffer would
        MqttHarness pub = node.connect(MqttVersion.MQTT_5, "pub", 0);
        for (int i = 0; i < 3; i++) {
            pub.send(publish("t", 0, 0, bytes("m" + i)));
        }
        node.log.deliver();
        assertTrue(publishes(sub.pump()).isEmpty());
        assertEquals(3, node.broker.view("sub").queued(), "waiting in its queue");

        sub.server.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        List<MqttPublishMessage> got = publishes(sub.pump());
        assertEquals(List.of("m0", "m1", "m2"), got.stream().map(DeliveryFixture::text).toList());
    }

    @Test
    void anUnknownPubrec_getsPubrel0x92_inMqtt5() {
        MqttHarness sub = node.connect(MqttVersion.MQTT_5, "sub", 0);
        subscribed(sub, subscribe(1, "t", 2));
        List<MqttMessage> a = sub.send(ack(MqttMessageType.PUBREC, 99));
        assertEquals(MqttMessageType.PUBREL, a.get(0).fixedHeader().messageType());
        assertEquals(0x92, reason(a.get(0)));
        assertEquals(1, node.stats.event("pubrec_unknown_packet_id"));
    }

    @Test
    void aNonPersistentSessionsEnd_finishesWhatItHeld() {
        MqttHarness sub = node.connect(MqttVersion.MQTT_5, "sub", 0);
        subscribed(sub, subscribe(1, "t", 1));
        node.connect(MqttVersion.MQTT_5, "pub", 0).send(publish("t", 1, 1, bytes("x")));
        node.log.deliver();
        assertEquals(1, publishes(sub.pump()).size());
        sub.server.close();
        sub.pump();
        assertEquals(1, node.log.committed, "its session ended: nothing to wait for");
        assertEquals(0, node.broker.index().size());
        assertNull(node.broker.view("sub"));
    }

    @Test
    void aWill_reachesSubscribers_andWithWillRetainBecomesTheRetainedMessage() {
        MqttHarness sub = node.connect(MqttVersion.MQTT_5, "sub", 0);
        subscribed(sub, subscribe(1, "status/dev", 1));
        MqttHarness dev = node.client();
        List<MqttMessage> c = dev.send(io.netty.handler.codec.mqtt.MqttMessageBuilders.connect()
                .protocolVersion(MqttVersion.MQTT_5).clientId("dev").cleanSession(true).keepAlive(60)
                .willFlag(true).willTopic("status/dev").willMessage(bytes("gone")).willQoS(
                        io.netty.handler.codec.mqtt.MqttQoS.AT_LEAST_ONCE).willRetain(true).build());
        assertEquals(0, ((MqttConnAckMessage) c.get(0)).variableHeader().connectReturnCode().byteValue());
        dev.server.close(); // no DISCONNECT: the will goes out
        dev.pump();
        assertEquals(1, node.log.appended.size());
        assertEquals(1, node.log.retainWrites.size());
        node.log.deliver();
        MqttPublishMessage will = publishes(sub.pump()).get(0);
        assertEquals("gone", text(will));
        assertEquals(1, node.broker.retained().size());
    }

    @Test
    void anMqtt5Will_carriesItsProperties_toSubscribers() {
        MqttHarness sub = node.connect(MqttVersion.MQTT_5, "sub", 0);
        subscribed(sub, subscribe(1, "status/dev", 1));
        MqttProperties wp = new MqttProperties();
        wp.add(new MqttProperties.StringProperty(MqttProperties.CONTENT_TYPE, "text/plain"));
        wp.add(new MqttProperties.StringProperty(MqttProperties.RESPONSE_TOPIC, "status/dev/ack"));
        wp.add(new MqttProperties.BinaryProperty(MqttProperties.CORRELATION_DATA, bytes("c-7")));
        wp.add(new MqttProperties.IntegerProperty(MqttProperties.PAYLOAD_FORMAT_INDICATOR, 1));
        wp.add(new MqttProperties.IntegerProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL, 600));
        wp.add(new MqttProperties.UserProperty("reason", "power"));
        MqttHarness dev = node.client();
        List<MqttMessage> c = dev.send(io.netty.handler.codec.mqtt.MqttMessageBuilders.connect()
                .protocolVersion(MqttVersion.MQTT_5).clientId("dev").cleanSession(true).keepAlive(60)
                .willFlag(true).willTopic("status/dev").willMessage(bytes("gone")).willProperties(wp).willQoS(
                        io.netty.handler.codec.mqtt.MqttQoS.AT_LEAST_ONCE).build());
        assertEquals(0, ((MqttConnAckMessage) c.get(0)).variableHeader().connectReturnCode().byteValue());
        dev.server.close(); // no DISCONNECT: the will goes out
        dev.pump();
        node.log.deliver();
        MqttPublishMessage will = publishes(sub.pump()).get(0);
        assertEquals("gone", text(will));
        MqttProperties got = will.variableHeader().properties();
        assertEquals("text/plain", got.getProperty(MqttProperties.CONTENT_TYPE).value());
        assertEquals("status/dev/ack", got.getProperty(MqttProperties.RESPONSE_TOPIC).value());
        assertEquals("c-7", new String((byte[]) got.getProperty(MqttProperties.CORRELATION_DATA).value(),
                java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(1, got.getProperty(MqttProperties.PAYLOAD_FORMAT_INDICATOR).value());
        int expiry = (Integer) got.getProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL).value();
        assertTrue(expiry > 0 && expiry <= 600, "the remaining expiry: " + expiry);
        var ups = got.getProperties(MqttProperties.USER_PROPERTY);
        assertEquals(1, ups.size());
        assertEquals("reason", ((MqttProperties.UserProperty) ups.get(0)).value().key);
        assertEquals("power", ((MqttProperties.UserProperty) ups.get(0)).value().value);
    }

    @Test
    void unsubscribe_stopsDelivery() {
        MqttHarness sub = node.connect(MqttVersion.MQTT_3_1_1, "sub", 0);
        subscribed(sub, subscribe(1, "t", 1));
        List<MqttMessage> un = sub.send(io.netty.handler.codec.mqtt.MqttMessageBuilders.unsubscribe().messageId(2)
                .addTopicFilter("t").build());
        assertEquals(MqttMessageType.UNSUBACK, un.get(0).fixedHeader().messageType());
        MqttHarness pub = node.connect(MqttVersion.MQTT_3_1_1, "pub", 0);
        pub.send(publish("t", 1, 1, bytes("x")));
        assertTrue(node.log.appended.isEmpty(), "no subscriber left: nothing for the delivery log");
    }

    @Test
    void subscriptionIdentifierZero_isAProtocolError() {
        MqttHarness sub = node.connect(MqttVersion.MQTT_5, "sub", 0);
        MqttProperties p = new MqttProperties();
        p.add(new MqttProperties.IntegerProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER, 0));
        List<MqttMessage> a = sub.send(io.netty.handler.codec.mqtt.MqttMessageBuilders.subscribe().messageId(1)
                .addSubscription(io.netty.handler.codec.mqtt.MqttQoS.AT_LEAST_ONCE, "t").properties(p).build());
        assertFalse(sub.server.isActive());
        assertTrue(a.isEmpty() || a.get(0).fixedHeader().messageType() == MqttMessageType.DISCONNECT);
    }

    @Test
    void aSessionTakenOver_getsItsUnacknowledgedMessagesOnTheNewConnection() {
        MqttHarness first = node.connect(MqttVersion.MQTT_3_1_1, "sub", 3600);
        subscribed(first, subscribe(1, "t", 1));
        node.connect(MqttVersion.MQTT_3_1_1, "pub", 0).send(publish("t", 1, 1, bytes("x")));
        node.log.deliver();
        MqttPublishMessage sent = publishes(first.pump()).get(0);
        MqttHarness second = node.client();
        List<MqttMessage> a = second.send(io.netty.handler.codec.mqtt.MqttMessageBuilders.connect()
                .protocolVersion(MqttVersion.MQTT_3_1_1).clientId("sub").cleanSession(false).keepAlive(60).build());
        first.pump();
        a.addAll(second.pump());
        MqttPublishMessage resent = publishes(a).get(0);
        assertTrue(resent.fixedHeader().isDup());
        assertEquals(packetId(sent), packetId(resent));
        second.send(ack(MqttMessageType.PUBACK, packetId(resent)));
        assertEquals(1, node.log.committed);
    }
}
