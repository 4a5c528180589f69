package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.ingest.Delivery;
import io.sluice.ingest.InflightBudget;
import io.sluice.mqtt.MqttConfig;
import io.sluice.mqtt.MqttStats;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Inbound QoS 2 on an EmbeddedChannel: PUBREC after Kafka, ids held until PUBREL, retransmissions written once. */
class Qos2InboundTest {
    private final MemorySessionStore store = new MemorySessionStore();
    private final ExactlyOnceIngest ingest = new ExactlyOnceIngest(store);
    private final List<MqttHarness> harnesses = new ArrayList<>();

    /** A node: its registry loads what the store holds, as a (re)started daemon does. */
    private Context node(int receiveMaximum) {
        MqttConfig config = MqttHarness.config(receiveMaximum, 4, 4096);
        MqttStats stats = new MqttStats();
        SessionRegistry registry = new SessionRegistry(store, Clock.systemUTC(), stats);
        registry.load();
        return new Context(config, ingest, new InflightBudget(1 << 20), registry, stats, Clock.systemUTC(),
                new AtomicLong(), new AtomicBoolean(true));
    }

    /** A new connection to {@code ctx}. */
    private MqttHarness connection(Context ctx) {
        MqttHarness h = new MqttHarness(ctx, null);
        harnesses.add(h);
        return h;
    }

    @AfterEach
    void close() {
        harnesses.forEach(MqttHarness::close);
    }

    private static MqttMessage publish(int packetId, boolean dup, String payload) {
        return new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.EXACTLY_ONCE, false, 0),
                new MqttPublishVariableHeader("s/dev/t", packetId, MqttProperties.NO_PROPERTIES),
                Unpooled.copiedBuffer(payload, java.nio.charset.StandardCharsets.UTF_8));
    }

    private static MqttMessage pubRel(int packetId) {
        return new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBREL, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(packetId));
    }

    private static void assertReply(MqttMessage m, MqttMessageType type, int packetId, int reason) {
        assertEquals(type, m.fixedHeader().messageType(), m.toString());
        assertEquals(packetId, ((MqttMessageIdVariableHeader) m.variableHeader()).messageId());
        int code = m.variableHeader() instanceof MqttPubReplyMessageVariableHeader r ? r.reasonCode() & 0xff : 0;
        assertEquals(reason, code, m.toString());
    }

    private static int disconnectReason(MqttMessage m) {
        assertEquals(MqttMessageType.DISCONNECT, m.fixedHeader().messageType());
        return ((MqttReasonCodeAndPropertiesVariableHeader) m.variableHeader()).reasonCode() & 0xff;
    }

    private boolean remembered(String clientId, int packetId) {
        return store.data.containsKey(SessionCodec.exactlyOnceKey(clientId, packetId));
    }

    @Test
    void connack_advertisesQos2_byLeavingMaximumQosOut() {
        MqttConnAckMessage ack = connection(node(64)).connect(MqttVersion.MQTT_5, "dev", true, 60);
        assertNull(ack.variableHeader().properties().getProperty(MqttProperties.MqttPropertyType.MAXIMUM_QOS.value()));
    }

    @Test
    void pubrec_onlyOnceKafkaHoldsTheReading_andItsPacketIdIsRememberedInTheSameWrite_untilPubrel() {
        MqttHarness h = connection(node(64));
        h.connect(MqttVersion.MQTT_5, "dev", true, 60);
        assertTrue(h.send(publish(5, false, "a")).isEmpty(), "no PUBREC on receipt");
        assertEquals(SessionCodec.exactlyOnceKey("dev", 5), ingest.sessionKeys.get(0), "one atomic write");
        assertEquals(2, ingest.received.get(0).qos());
        ingest.complete(0, Delivery.DELIVERED);
        assertReply(h.pump().get(0), MqttMessageType.PUBREC, 5, 0);
        assertTrue(remembered("dev", 5));

        assertReply(h.send(pubRel(5)).get(0), MqttMessageType.PUBCOMP, 5, 0);
        assertFalse(remembered("dev", 5), "released durably before PUBCOMP");
        assertEquals(1, h.ctx.stats().publishesQos2.sum());
    }

    @Test
    void retransmission_beforePubrel_isAnsweredPubrec_andNotWrittenAgain() {
        MqttHarness h = connection(node(64));
        h.connect(MqttVersion.MQTT_5, "dev", true, 60);
        h.send(publish(5, false, "a"));
        assertTrue(h.send(publish(5, true, "a")).isEmpty(), "while the first is written, its PUBREC is still to come");
        ingest.complete(0, Delivery.DELIVERED);
        List<MqttMessage> answers = h.pump();
        assertEquals(1, answers.size(), "one PUBREC: " + answers);
        assertReply(h.send(publish(5, true, "a")).get(0), MqttMessageType.PUBREC, 5, 0);
        assertEquals(1, ingest.received.size(), "written once");
        assertEquals(2, h.ctx.stats().event("qos2_duplicate"));

        h.send(pubRel(5));
        h.send(publish(5, false, "b")); // after PUBCOMP the id is free: a new message
        assertEquals(2, ingest.received.size());
    }

    @Test
    void retransmission_afterAReconnect_isNotWrittenAgain_andItsPubrelCompletes() {
        Context node = node(64);
        MqttHarness first = connection(node);
        first.connect(MqttVersion.MQTT_5, "dev", true, 600);
        first.send(publish(7, false, "a"));
        ingest.complete(0, Delivery.DELIVERED);
        assertReply(first.pump().get(0), MqttMessageType.PUBREC, 7, 0);
        first.server.close();

        MqttHarness second = connection(node);
        assertTrue(second.connect(MqttVersion.MQTT_5, "dev", false, 600).variableHeader().isSessionPresent());
        assertReply(second.send(publish(7, true, "a")).get(0), MqttMessageType.PUBREC, 7, 0);
        assertReply(second.send(pubRel(7)).get(0), MqttMessageType.PUBCOMP, 7, 0);
        assertEquals(1, ingest.written);
    }

    @Test
    void retransmission_afterARestartOfTheNode_isNotWrittenAgain() {
        MqttHarness before = connection(node(64));
        before.connect(MqttVersion.MQTT_3_1_1, "dev", false, 0);
        before.send(publish(9, false, "a"));
        ingest.complete(0, Delivery.DELIVERED);
        assertReply(before.pump().get(0), MqttMessageType.PUBREC, 9, 0);
        // no disconnect: the node dies; a new one loads the sessions topic as it stood

        MqttHarness after = connection(node(64));
        assertTrue(after.connect(MqttVersion.MQTT_3_1_1, "dev", false, 0).variableHeader().isSessionPresent());
        assertReply(after.send(publish(9, true, "a")).get(0), MqttMessageType.PUBREC, 9, 0);
        assertReply(after.send(pubRel(9)).get(0), MqttMessageType.PUBCOMP, 9, 0);
        assertEquals(1, ingest.written);
        assertFalse(remembered("dev", 9));
    }

    @Test
    void aWriteThatFailed_remembersNothing_soTheRetransmissionIsWritten() {
        MqttHarness h = connection(node(64));
        h.connect(MqttVersion.MQTT_5, "dev", true, 600);
        h.send(publish(3, false, "a"));
        ingest.complete(0, Delivery.retryable("kafka: TimeoutException"));
        List<MqttMessage> answers = h.pump();
        assertEquals(1, answers.size(), "no PUBREC: " + answers);
        assertEquals(0x89, disconnectReason(answers.get(0)));
        assertFalse(remembered("dev", 3));

        MqttHarness again = connection(h.ctx);
        again.connect(MqttVersion.MQTT_5, "dev", false, 600);
        again.send(publish(3, true, "a"));
        assertEquals(2, ingest.received.size(), "written, since the first copy never became durable");
    }

    @Test
    void mqtt5_readingRefusedForGood_getsPubrec0x80_andTheIdIsNotHeld() {
        MqttHarness h = connection(node(64));
        h.connect(MqttVersion.MQTT_5, "dev", true, 0);
        h.send(publish(4, false, "a"));
        ingest.complete(0, Delivery.rejected("kafka: RecordTooLargeException"));
        assertReply(h.pump().get(0), MqttMessageType.PUBREC, 4, 0x80);
        assertTrue(h.server.isActive());
        assertEquals(1, h.ctx.stats().event("kafka_rejected_error_pubrec"));
        h.send(publish(4, false, "b"));
        assertEquals(2, ingest.received.size(), "the flow ended with the error PUBREC: the id is free");
    }

    @Test
    void mqtt311_readingRefusedForGood_closesTheConnection() {
        MqttHarness h = connection(node(64));
        h.connect(MqttVersion.MQTT_3_1_1, "dev", true, 0);
        h.send(publish(4, false, "a"));
        ingest.complete(0, Delivery.rejected("kafka: RecordTooLargeException"));
        assertTrue(h.pump().isEmpty());
        assertFalse(h.server.isActive());
    }

    @Test
    void sessionWithoutExpiry_remembersIdsInMemory_withAPlainWrite() {
        MqttHarness h = connection(node(64));
        h.connect(MqttVersion.MQTT_5, "dev", true, 0);
        h.send(publish(6, false, "a"));
        assertNull(ingest.sessionKeys.get(0), "nothing outlives this connection: no session record");
        ingest.complete(0, Delivery.DELIVERED);
        h.pump();
        assertReply(h.send(publish(6, true, "a")).get(0), MqttMessageType.PUBREC, 6, 0);
        assertReply(h.send(pubRel(6)).get(0), MqttMessageType.PUBCOMP, 6, 0);
        assertEquals(1, ingest.received.size());
    }

    @Test
    void pubrel_ofAnUnknownPacketId_getsPubcomp0x92_inMqtt5_andAPlainPubcomp_inMqtt311() {
        MqttHarness five = connection(node(64));
        five.connect(MqttVersion.MQTT_5, "five", true, 0);
        assertReply(five.send(pubRel(11)).get(0), MqttMessageType.PUBCOMP, 11, 0x92);
        MqttHarness three = connection(five.ctx);
        three.connect(MqttVersion.MQTT_3_1_1, "three", true, 0);
        assertReply(three.send(pubRel(11)).get(0), MqttMessageType.PUBCOMP, 11, 0);
        assertEquals(2, five.ctx.stats().event("pubrel_packet_id_not_found"));
    }

    @Test
    void idsAwaitingPubrel_countAgainstReceiveMaximum_andOneMoreIsDisconnect0x93() {
        MqttHarness h = connection(node(2));
        h.connect(MqttVersion.MQTT_5, "dev", true, 0);
        h.send(publish(1, false, "a"), publish(2, false, "b"));
        ingest.complete(0, Delivery.DELIVERED);
        ingest.complete(1, Delivery.DELIVERED);
        assertEquals(2, h.pump().size(), "two PUBRECs");
        List<MqttMessage> answers = h.send(publish(3, false, "c"));
        assertEquals(0x93, disconnectReason(answers.get(0)));
        assertEquals(2, ingest.received.size());
        assertEquals(1, h.ctx.stats().event("receive_maximum_exceeded"));
    }

    @Test
    void cleanStart_forgetsTheRememberedIds_ofTheOldSession() {
        MqttHarness h = connection(node(64));
        h.connect(MqttVersion.MQTT_5, "dev", true, 600);
        h.send(publish(8, false, "a"));
        ingest.complete(0, Delivery.DELIVERED);
        h.pump();
        h.server.close();
        assertTrue(remembered("dev", 8));

        MqttHarness fresh = connection(h.ctx);
        fresh.connect(MqttVersion.MQTT_5, "dev", true, 600);
        assertFalse(remembered("dev", 8));
        fresh.send(publish(8, false, "new"));
        assertEquals(2, ingest.received.size(), "a new session: id 8 is a new message");
    }

    @Test
    void clientIdHoldingUPlus0000_isRefusedByTheDecoder_soNoSessionKeyCanLookLikeARememberedPacketId() {
        MqttHarness h = connection(node(64));
        byte[] id = "dev\u00005".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.writeBytes(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 4, 0, 0, 60, 0, (byte) id.length});
        body.writeBytes(id);
        byte[] frame = new byte[2 + body.size()];
        frame[0] = 0x10;
        frame[1] = (byte) body.size();
        System.arraycopy(body.toByteArray(), 0, frame, 2, body.size());
        assertTrue(h.sendRaw(frame).isEmpty(), "no CONNACK: strict UTF-8 decoding refuses U+0000");
        assertFalse(h.server.isActive());
        assertEquals(1, h.ctx.stats().event("malformed_packet"));
        assertTrue(store.data.isEmpty());
    }

    @Test
    void pubrel_beforeItsPubrec_isAProtocolError() {
        MqttHarness h = connection(node(64));
        h.connect(MqttVersion.MQTT_5, "dev", true, 0);
        h.send(publish(2, false, "a"));
        List<MqttMessage> answers = h.send(pubRel(2));
        assertEquals(0x82, disconnectReason(answers.get(0)));
        assertEquals(1, h.ctx.stats().event("pubrel_before_pubrec"));
    }

    @Test
    void mqtt311_moreIdsAwaitingPubrelThanTheMaximum_closesTheConnection() {
        MqttHarness h = connection(node(2));
        h.connect(MqttVersion.MQTT_3_1_1, "dev", true, 0);
        h.send(publish(1, false, "a"), publish(2, false, "b"));
        ingest.complete(0, Delivery.DELIVERED);
        ingest.complete(1, Delivery.DELIVERED);
        assertEquals(2, h.pump().size(), "two PUBRECs");
        assertTrue(h.send(publish(3, false, "c")).isEmpty());
        assertFalse(h.server.isActive());
        assertEquals(2, ingest.received.size());
        assertEquals(1, h.ctx.stats().event("receive_maximum_exceeded"));
    }

    @Test
    void reconnect_whileTheDroppedConnectionsWriteIsUnderWay_waitsForIt_soTheRetransmissionIsNotWrittenAgain() {
        Context node = node(64);
        MqttHarness first = connection(node);
        first.connect(MqttVersion.MQTT_5, "dev", true, 600);
        first.send(publish(7, false, "a"));
        first.server.close(); // dropped before Kafka answered: no PUBREC reached the client

        MqttHarness second = connection(node);
        assertNull(second.connect(MqttVersion.MQTT_5, "dev", false, 600), "no CONNACK while the write is under way");
        ingest.complete(0, Delivery.DELIVERED);
        MqttConnAckMessage ack = (MqttConnAckMessage) second.pump().get(0);
        assertTrue(ack.variableHeader().isSessionPresent());
        assertReply(second.send(publish(7, true, "a")).get(0), MqttMessageType.PUBREC, 7, 0);
        assertEquals(1, ingest.received.size(), "written once");
    }
}
