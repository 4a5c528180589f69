package io.sluice.mqtt.internal;

import static io.sluice.mqtt.internal.MqttHarness.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.ingest.Delivery;
import io.sluice.ingest.InflightBudget;
import io.sluice.mqtt.MqttConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The MQTT state machine on an EmbeddedChannel, with real MQTT bytes and a hand-completed ingest. */
class ConnectionTest {
    private MqttHarness h;

    private MqttHarness harness(MqttConfig config, long budgetBytes) {
        ManualIngest ingest = new ManualIngest();
        h = new MqttHarness(MqttHarness.context(config, ingest, new InflightBudget(budgetBytes), new MemorySessionStore()),
                ingest);
        return h;
    }

    private MqttHarness harness() {
        return harness(MqttHarness.config(64, 4, 4096), 1 << 20);
    }

    @AfterEach
    void close() {
        if (h != null) {
            h.close();
        }
    }

    private static int packetId(MqttMessage m) {
        Object vh = m.variableHeader();
        return vh instanceof MqttPubReplyMessageVariableHeader r ? r.messageId() : ((MqttMessageIdVariableHeader) vh).messageId();
    }

    private static int disconnectReason(MqttMessage m) {
        assertEquals(MqttMessageType.DISCONNECT, m.fixedHeader().messageType());
        return ((MqttReasonCodeAndPropertiesVariableHeader) m.variableHeader()).reasonCode() & 0xff;
    }

    @Test
    void puback_isSent_onlyAfterIngestCompletes() {
        MqttHarness h = harness();
        assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED,
                h.connect(MqttVersion.MQTT_3_1_1, "dev-1", true, 0).variableHeader().connectReturnCode());
        assertTrue(h.send(publish("s/dev-1/t", 1, 7, new byte[] {42})).isEmpty(), "no PUBACK on receipt");
        assertEquals(1, h.ingest.received.size());
        assertEquals("3.1.1", h.ingest.received.get(0).protocolVersion());

        h.ingest.complete(0, Delivery.DELIVERED);
        List<MqttMessage> answers = h.pump();
        assertEquals(1, answers.size());
        assertEquals(MqttMessageType.PUBACK, answers.get(0).fixedHeader().messageType());
        assertEquals(7, packetId(answers.get(0)));
    }

    @Test
    void pubacks_followPublishOrder_whenDeliveriesCompleteOutOfOrder() {
        MqttHarness h = harness();
        h.connect(MqttVersion.MQTT_5, "dev-2", true, 0);
        h.send(publish("t", 1, 1, new byte[1]), publish("t", 1, 2, new byte[1]), publish("t", 1, 3, new byte[1]));
        h.ingest.complete(2, Delivery.DELIVERED);
        h.ingest.complete(1, Delivery.DELIVERED);
        assertTrue(h.pump().isEmpty(), "PUBACK 2 and 3 wait for 1");
        h.ingest.complete(0, Delivery.DELIVERED);
        List<MqttMessage> acks = h.pump();
        assertEquals(List.of(1, 2, 3), acks.stream().map(ConnectionTest::packetId).toList());
    }

    @Test
    void mqtt5_retryableFailure_getsNoPuback_butDisconnectServerBusy_afterThePubacksOfEarlierDeliveredPublishes() {
        MqttHarness h = harness();
        h.connect(MqttVersion.MQTT_5, "dev-3", true, 0);
        h.send(publish("t", 1, 1, new byte[1]), publish("t", 1, 2, new byte[1]), publish("t", 1, 3, new byte[1]));
        h.ingest.complete(2, Delivery.DELIVERED);
        h.ingest.complete(1, Delivery.retryable("kafka: TimeoutException: Expiring 1 record(s)"));
        h.ingest.complete(0, Delivery.DELIVERED);
        List<MqttMessage> answers = h.pump();
        assertEquals(2, answers.size(), "PUBACK 1, then DISCONNECT: " + answers);
        assertEquals(MqttMessageType.PUBACK, answers.get(0).fixedHeader().messageType());
        assertEquals(1, packetId(answers.get(0)));
        assertEquals(0, ((MqttPubReplyMessageVariableHeader) answers.get(0).variableHeader()).reasonCode());
        assertEquals(0x89, disconnectReason(answers.get(1)), "server busy: no acknowledgement, so it retransmits 2 and 3");
        assertFalse(h.server.isActive());
        assertEquals(1, h.ctx.stats().event("kafka_retryable_connection_closed"));
        assertEquals(0, h.ctx.stats().pubackErrorsSent.sum(), "no error PUBACK, which MQTT 5 treats as an acknowledgement");
    }

    @Test
    void mqtt5_readingKafkaRefusesForGood_getsErrorPuback_counted_andTheConnectionStays() {
        MqttHarness h = harness();
        h.connect(MqttVersion.MQTT_5, "dev-3r", true, 0);
        h.send(publish("t", 1, 1, new byte[1]), publish("t", 1, 2, new byte[1]));
        h.ingest.complete(0, Delivery.rejected("kafka: RecordTooLargeException: too big"));
        h.ingest.complete(1, Delivery.DELIVERED);
        List<MqttMessage> acks = h.pump();
        assertEquals(List.of(1, 2), acks.stream().map(ConnectionTest::packetId).toList());
        assertEquals(0x80, ((MqttPubReplyMessageVariableHeader) acks.get(0).variableHeader()).reasonCode() & 0xff);
        assertEquals(0, ((MqttPubReplyMessageVariableHeader) acks.get(1).variableHeader()).reasonCode());
        assertTrue(h.server.isActive(), "a refused reading does not end the connection");
        assertEquals(1, h.ctx.stats().pubackErrorsSent.sum());
        assertEquals(1, h.ctx.stats().event("kafka_rejected_error_puback"));
    }

    @Test
    void mqtt311_retryableFailure_closesAfterThePubacksOfEarlierDeliveredPublishes() {
        MqttHarness h = harness();
        h.connect(MqttVersion.MQTT_3_1_1, "dev-4e", true, 0);
        h.send(publish("t", 1, 1, new byte[1]), publish("t", 1, 2, new byte[1]));
        h.ingest.complete(1, Delivery.retryable("kafka: timeout"));
        h.ingest.complete(0, Delivery.DELIVERED);
        List<MqttMessage> answers = h.pump();
        assertEquals(List.of(1), answers.stream().map(ConnectionTest::packetId).toList());
        assertFalse(h.server.isActive());
        assertEquals(1, h.ctx.stats().event("kafka_retryable_connection_closed"));
    }

    @Test
    void mqtt311_failedDelivery_closesTheConnection_soTheClientRetransmits() {
        MqttHarness h = harness();
        h.connect(MqttVersion.MQTT_3_1_1, "dev-4", true, 0);
        h.send(publish("t", 1, 1, new byte[1]));
        h.ingest.complete(0, Delivery.retryable("kafka: timeout"));
        assertTrue(h.pump().isEmpty(), "no PUBACK for an undelivered message");
        assertFalse(h.server.isActive());
    }

    @Test
    void qos2_isRefused_withDisconnectQosNotSupported() {
        MqttHarness h = harness();
        MqttConnAckMessage ack = h.connect(MqttVersion.MQTT_5, "dev-5", true, 0);
        assertEquals(1, ((Number) ack.variableHeader().properties()
                .getProperty(MqttProperties.MqttPropertyType.MAXIMUM_QOS.value()).value()).intValue());
        List<MqttMessage> answers = h.send(publish("t", 2, 1, new byte[1]));
        assertEquals(0x9B, disconnectReason(answers.get(0)));
        assertFalse(h.server.isActive());
        assertTrue(h.ingest.received.isEmpty());
    }

    @Test
    void receiveMaximum_reached_stopsReading_untilAnAcknowledgementFreesASlot() {
        MqttHarness h = harness(MqttHarness.config(2, 4, 4096), 1 << 20);
        h.connect(MqttVersion.MQTT_5, "dev-6", true, 0);
        h.send(publish("t", 1, 1, new byte[1]), publish("t", 1, 2, new byte[1]), publish("t", 1, 3, new byte[1]));
        assertEquals(2, h.ingest.received.size(), "the third waits in the flow-control queue");
        assertFalse(h.server.config().isAutoRead());
        h.ingest.complete(0, Delivery.DELIVERED);
        h.pump();
        assertEquals(3, h.ingest.received.size());
    }

    @Test
    void spentBudget_stopsReading_andResumesWhenAcknowledgementsReleaseBytes() {
        // each message weighs its 1500 payload bytes plus its strings and the log's fixed overhead (under 3000)
        MqttHarness h = harness(MqttHarness.config(64, 4, 4096), 3000);
        h.connect(MqttVersion.MQTT_3_1_1, "dev-7", true, 0);
        h.send(publish("t", 1, 1, new byte[1500]), publish("t", 1, 2, new byte[1500]));
        assertEquals(1, h.ingest.received.size(), "the second message waits for budget");
        assertFalse(h.server.config().isAutoRead(), "reading stopped");
        assertTrue(h.ctx.budget().usedBytes() <= 3000);
        h.ingest.complete(0, Delivery.DELIVERED);
        List<MqttMessage> acks = h.pump();
        assertEquals(1, acks.size());
        assertEquals(2, h.ingest.received.size(), "submitted once bytes were released");
        assertTrue(h.server.config().isAutoRead(), "reading resumed");
    }

    @Test
    void lateCompletion_afterClose_releasesBudget_andWritesNothing() {
        MqttHarness h = harness();
        h.connect(MqttVersion.MQTT_3_1_1, "dev-8", true, 0);
        h.send(publish("t", 1, 1, new byte[100]));
        assertTrue(h.ctx.budget().usedBytes() > 0);
        h.server.close();
        h.ingest.complete(0, Delivery.DELIVERED);
        h.pump();
        assertEquals(0, h.ctx.budget().usedBytes());
        assertEquals(0, h.ctx.outstanding().get());
    }

    @Test
    void topicAliases_resolve_andAnAliasAboveTheMaximumIsRefused() {
        MqttHarness h = harness();
        h.connect(MqttVersion.MQTT_5, "dev-9", true, 0);
        MqttProperties alias1 = new MqttProperties();
        alias1.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.TOPIC_ALIAS.value(), 1));
        h.send(publish("sensors/long/topic", 0, 0, new byte[] {1}, alias1), publish("", 0, 0, new byte[] {2}, alias1));
        assertEquals(2, h.ingest.received.size());
        assertEquals("sensors/long/topic", h.ingest.received.get(1).topic());

        MqttProperties alias9 = new MqttProperties();
        alias9.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.TOPIC_ALIAS.value(), 9));
        List<MqttMessage> answers = h.send(publish("x", 0, 0, new byte[] {3}, alias9));
        assertEquals(0x94, disconnectReason(answers.get(0)));
    }

    /** A Topic Alias of 0 is not "no alias": MQTT 5 forbids it [MQTT-3.3.2-8], so the answer is DISCONNECT 0x94. */
    @Test
    void topicAliasZero_isAProtocolError_disconnect0x94_andNothingIsIngested() {
        MqttHarness h = harness();
        h.connect(MqttVersion.MQTT_5, "dev-0", true, 0);
        MqttProperties alias0 = new MqttProperties();
        alias0.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.TOPIC_ALIAS.value(), 0));
        List<MqttMessage> answers = h.send(publish("sensors/t", 1, 1, new byte[] {1}, alias0));
        assertEquals(0x94, disconnectReason(answers.get(0)));
        assertEquals(0, h.ingest.received.size());
    }

    @Test
    void emptyClientId_mqtt5_getsAnAssignedId_mqtt311PersistentIsRejected() {
        MqttHarness h = harness();
        MqttConnAckMessage ack = h.connect(MqttVersion.MQTT_5, "", true, 0);
        assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED, ack.variableHeader().connectReturnCode());
        Object assigned = ack.variableHeader().properties()
                .getProperty(MqttProperties.MqttPropertyType.ASSIGNED_CLIENT_IDENTIFIER.value()).value();
        assertTrue(((String) assigned).startsWith("sluice-"));

        MqttHarness h3 = harness();
        MqttConnAckMessage refused = h3.connect(MqttVersion.MQTT_3_1_1, "", false, 0);
        assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED, refused.variableHeader().connectReturnCode());
    }

    @Test
    void sessionPresent_isTrueOnlyForAStoredSession_andCleanStartDiscardsIt() {
        MemorySessionStore store = new MemorySessionStore();
        ManualIngest ingest = new ManualIngest();
        var ctx = MqttHarness.context(MqttHarness.config(64, 4, 4096), ingest, new InflightBudget(1 << 20), store);
        MqttHarness first = new MqttHarness(ctx, ingest);
        assertFalse(first.connect(MqttVersion.MQTT_5, "meter", false, 600).variableHeader().isSessionPresent());
        assertNotNull(store.data.get("meter"), "stored before CONNACK");
        first.server.close();
        first.pump();

        MqttHarness second = new MqttHarness(ctx, ingest);
        assertTrue(second.connect(MqttVersion.MQTT_5, "meter", false, 600).variableHeader().isSessionPresent());
        second.server.close();
        second.pump();

        MqttHarness third = new MqttHarness(ctx, ingest);
        assertFalse(third.connect(MqttVersion.MQTT_5, "meter", true, 0).variableHeader().isSessionPresent());
        third.server.close();
        third.pump();
        assertTrue(store.data.get("meter") == null, "clean start with no expiry leaves no stored session");
        first.close();
        second.close();
        third.close();
    }

    @Test
    void sessionExpiryInterval_keepsTheSessionUntilItRunsOut_thenItIsGone() {
        MemorySessionStore store = new MemorySessionStore();
        ManualIngest ingest = new ManualIngest();
        MqttHarness.ManualClock clock = new MqttHarness.ManualClock(1_700_000_000_000L);
        var ctx = MqttHarness.context(MqttHarness.config(64, 4, 4096), ingest, new InflightBudget(1 << 20), store, clock);

        MqttHarness first = new MqttHarness(ctx, ingest);
        first.connect(MqttVersion.MQTT_5, "short-lived", false, 10);
        first.server.close();
        first.pump();
        clock.advance(java.time.Duration.ofMillis(9_999));
        assertEquals(0, ctx.sessions().sweepExpired(), "not yet expired 1 ms before its interval");
        MqttHarness second = new MqttHarness(ctx, ingest);
        assertTrue(second.connect(MqttVersion.MQTT_5, "short-lived", false, 10).variableHeader().isSessionPresent(),
                "resumed within its expiry interval");
        second.server.close();
        second.pump();

        clock.advance(java.time.Duration.ofSeconds(10));
        assertEquals(1, ctx.sessions().sweepExpired(), "expired once the interval ran out after the disconnect");
        assertTrue(store.data.get("short-lived") == null, "the expired session is removed from the durable store");
        MqttHarness third = new MqttHarness(ctx, ingest);
        assertFalse(third.connect(MqttVersion.MQTT_5, "short-lived", false, 10).variableHeader().isSessionPresent(),
                "an expired session is not present");
        first.close();
        second.close();
        third.close();
    }

    @Test
    void sessionThatCannotBeStored_refusesConnect_withServerUnavailable() {
        MemorySessionStore store = new MemorySessionStore();
        store.failing = true;
        ManualIngest ingest = new ManualIngest();
        h = new MqttHarness(MqttHarness.context(MqttHarness.config(64, 4, 4096), ingest, new InflightBudget(1 << 20),
                store), ingest);
        MqttConnAckMessage ack = h.connect(MqttVersion.MQTT_5, "unlucky", false, 600);
        assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5, ack.variableHeader().connectReturnCode());
        assertFalse(h.server.isActive());
    }

    @Test
    void secondConnectionWithTheSameId_takesOverTheFirst() {
        ManualIngest ingest = new ManualIngest();
        var ctx = MqttHarness.context(MqttHarness.config(64, 4, 4096), ingest, new InflightBudget(1 << 20),
                new MemorySessionStore());
        MqttHarness first = new MqttHarness(ctx, ingest);
        first.connect(MqttVersion.MQTT_5, "twin", true, 0);
        MqttHarness second = new MqttHarness(ctx, ingest);
        assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED,
                second.connect(MqttVersion.MQTT_5, "twin", true, 0).variableHeader().connectReturnCode());
        List<MqttMessage> toFirst = first.pump();
        assertEquals(0x8E, disconnectReason(toFirst.get(0)));
        assertFalse(first.server.isActive());
        assertTrue(second.server.isActive());
        first.close();
        second.close();
    }

    @Test
    void subscribe_grantsAtMostQos1_andRefusesInvalidAndSharedFilters() {
        MqttHarness h = harness();
        h.connect(MqttVersion.MQTT_5, "sub", false, 600);
        var sub = io.netty.handler.codec.mqtt.MqttMessageBuilders.subscribe().messageId(5)
                .addSubscription(io.netty.handler.codec.mqtt.MqttQoS.EXACTLY_ONCE, "cmd/sub/#")
                .addSubscription(io.netty.handler.codec.mqtt.MqttQoS.AT_MOST_ONCE, "bad/#/filter")
                .addSubscription(io.netty.handler.codec.mqtt.MqttQoS.AT_LEAST_ONCE, "$share/g/cmd")
                .build();
        List<MqttMessage> answers = h.send(sub);
        var suback = (io.netty.handler.codec.mqtt.MqttSubAckMessage) answers.get(0);
        assertEquals(List.of(1, 0x8F, 0x9E), suback.payload().reasonCodes());
        assertEquals(1, h.ctx.sessions().get("sub").subscriptions().size(), "stored in the session");
    }

    @Test
    void aSubscribeOrUnsubscribeThatCouldNotBeStored_isRefused_andLeavesNothingALaterStoreWouldSave() {
        MemorySessionStore store = new MemorySessionStore();
        ManualIngest ingest = new ManualIngest();
        var ctx = MqttHarness.context(MqttHarness.config(64, 4, 4096), ingest, new InflightBudget(1 << 20), store);
        MqttHarness h = new MqttHarness(ctx, ingest);
        h.connect(MqttVersion.MQTT_5, "dev", false, 600);
        var keep = io.netty.handler.codec.mqtt.MqttMessageBuilders.subscribe().messageId(1)
                .addSubscription(io.netty.handler.codec.mqtt.MqttQoS.AT_LEAST_ONCE, "keep/#").build();
        h.send(keep);
        h.pump();

        store.failing = true;
        var refused = io.netty.handler.codec.mqtt.MqttMessageBuilders.subscribe().messageId(2)
                .addSubscription(io.netty.handler.codec.mqtt.MqttQoS.AT_LEAST_ONCE, "refused/#").build();
        List<MqttMessage> a = new ArrayList<>(h.send(refused));
        a.addAll(h.pump());
        assertEquals(List.of(0x80), ((io.netty.handler.codec.mqtt.MqttSubAckMessage) a.get(0)).payload().reasonCodes());
        var unsub = io.netty.handler.codec.mqtt.MqttMessageBuilders.unsubscribe().messageId(3)
                .addTopicFilter("keep/#").build();
        List<MqttMessage> u = new ArrayList<>(h.send(unsub));
        u.addAll(h.pump());
        assertEquals(MqttMessageType.UNSUBACK, u.get(0).fixedHeader().messageType());
        assertEquals(2, ctx.stats().event("session_store_failed"),
                "both failed stores are counted");

        store.failing = false;
        var later = io.netty.handler.codec.mqtt.MqttMessageBuilders.subscribe().messageId(4)
                .addSubscription(io.netty.handler.codec.mqtt.MqttQoS.AT_LEAST_ONCE, "later/#").build();
        h.send(later);
        h.pump();
        assertEquals(java.util.Set.of("keep/#", "later/#"), ctx.sessions().get("dev").subscriptions().keySet(),
                "the refused SUBSCRIBE is not in the session, the refused UNSUBSCRIBE did not remove keep/#");
    }

    @Test
    void pingreq_getsPingresp_andPublishBeforeConnect_closes() {
        MqttHarness h = harness();
        h.connect(MqttVersion.MQTT_3_1_1, "pinger", true, 0);
        assertEquals(MqttMessageType.PINGRESP, h.send(MqttHarness.pingReq()).get(0).fixedHeader().messageType());

        MqttHarness early = harness();
        early.client.writeOutbound(io.netty.handler.codec.mqtt.MqttMessageBuilders.connect()
                .protocolVersion(MqttVersion.MQTT_3_1_1).clientId("x").build());
        // drop the encoded CONNECT (and free its buffer): the server sees a PUBLISH first
        io.netty.util.ReferenceCountUtil.release(early.client.readOutbound());
        assertTrue(early.send(publish("t", 0, 0, new byte[1])).isEmpty());
        assertFalse(early.server.isActive());
        early.close();
    }
}
