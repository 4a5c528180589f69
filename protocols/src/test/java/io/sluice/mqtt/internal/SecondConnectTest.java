package io.sluice.mqtt.internal;

import static io.sluice.mqtt.internal.MqttHarness.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.ingest.Delivery;
import io.sluice.ingest.InflightBudget;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A second CONNECT on a connected connection is a protocol violation [MQTT-3.1.0-2], whatever protocol level it
 * names: no second CONNACK, and the protocol level of the first CONNECT stays the one every later reply is encoded
 * in. The second CONNECT goes to the server as raw bytes, so the test's client codec keeps decoding in the level of
 * the first.
 */
class SecondConnectTest {
    private MqttHarness h;

    @AfterEach
    void close() {
        h.close();
    }

    private MqttHarness harness(int receiveMaximum) {
        ManualIngest ingest = new ManualIngest();
        h = new MqttHarness(MqttHarness.context(MqttHarness.config(receiveMaximum, 4, 4096), ingest,
                new InflightBudget(1 << 20), new MemorySessionStore()), ingest);
        return h;
    }

    /** A CONNECT's bytes, encoded on a channel of its own (the encoder records the level per channel). */
    private static byte[] connectBytes(MqttVersion version, String clientId) {
        EmbeddedChannel enc = new EmbeddedChannel(MqttEncoder.INSTANCE);
        enc.writeOutbound(MqttMessageBuilders.connect().protocolVersion(version).clientId(clientId).cleanSession(true)
                .keepAlive(60).build());
        ByteBuf out = enc.readOutbound();
        byte[] b = ByteBufUtil.getBytes(out);
        out.release();
        enc.finishAndReleaseAll();
        return b;
    }

    /** A CONNECT naming protocol level 6, which no MQTT version has. */
    private static byte[] connectOfUnknownLevel() {
        byte[] b = connectBytes(MqttVersion.MQTT_3_1_1, "x");
        b[8] = 6; // fixed header (2), protocol name (2 + 4), then the level
        return b;
    }

    private static int disconnectReason(MqttMessage m) {
        assertEquals(MqttMessageType.DISCONNECT, m.fixedHeader().messageType());
        return ((MqttReasonCodeAndPropertiesVariableHeader) m.variableHeader()).reasonCode() & 0xff;
    }

    @Test
    void secondConnect_ofAnUnknownProtocolLevel_getsNoSecondConnack_butDisconnectProtocolError() {
        MqttHarness h = harness(64);
        assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED,
                h.connect(MqttVersion.MQTT_5, "twice-6", true, 0).variableHeader().connectReturnCode());
        List<MqttMessage> answers = h.sendRaw(connectOfUnknownLevel());
        assertEquals(1, answers.size(), "one reply: " + answers);
        assertEquals(0x82, disconnectReason(answers.get(0)), "a protocol error, not a CONNACK");
        assertFalse(h.server.isActive());
        assertEquals(1, h.ctx.stats().event("second_connect"));
        assertEquals(0, h.ctx.stats().event("unsupported_protocol"), "it is a violation, not a refused CONNECT");
    }

    @Test
    void secondConnect_ofAnUnknownProtocolLevel_onMqtt311_closesWithoutAConnack() {
        MqttHarness h = harness(64);
        h.connect(MqttVersion.MQTT_3_1_1, "twice-6-v4", true, 0);
        assertTrue(h.sendRaw(connectOfUnknownLevel()).isEmpty(), "MQTT 3.1.1 has no DISCONNECT from the server");
        assertFalse(h.server.isActive());
        assertEquals(1, h.ctx.stats().event("second_connect"));
    }

    @Test
    void secondConnect_whoseClientIdTheDecoderRejects_getsNoConnack_butDisconnectProtocolError_inMqtt5() {
        MqttHarness h = harness(64);
        h.connect(MqttVersion.MQTT_5, "twice-31", true, 0);
        // MQTT 3.1 (MQIsdp, level 3) with an empty client id, which the decoder refuses for that level
        byte[] connect31 = {0x10, 0x0E, 0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p', 0x03, 0x02, 0x00, 0x3C, 0x00, 0x00};
        List<MqttMessage> answers = h.sendRaw(connect31);
        assertEquals(1, answers.size(), "one reply: " + answers);
        assertEquals(0x82, disconnectReason(answers.get(0)));
        assertFalse(h.server.isActive());
        assertEquals(0, h.ctx.stats().event("identifier_rejected"));
        assertEquals(1, h.ctx.stats().event("second_connect"));
    }

    @Test
    void secondConnect_ofMqtt311_onAnMqtt5Connection_isAnsweredInMqtt5_withDisconnectProtocolError() {
        MqttHarness h = harness(64);
        h.connect(MqttVersion.MQTT_5, "twice-4", true, 0);
        List<MqttMessage> answers = h.sendRaw(connectBytes(MqttVersion.MQTT_3_1_1, "twice-4"));
        assertEquals(1, answers.size(), "one reply: " + answers);
        assertEquals(0x82, disconnectReason(answers.get(0)), "encoded as MQTT 5, so the reason code is there");
        assertFalse(h.server.isActive());
        assertEquals(1, h.ctx.stats().event("second_connect"));
    }

    @Test
    void secondConnect_ofMqtt311_waitingBehindPausedReads_doesNotChangeTheEncodingOfAnEarlierErrorPuback() {
        MqttHarness h = harness(1); // receive maximum 1: the PUBLISH in flight stops reads
        h.connect(MqttVersion.MQTT_5, "twice-held", true, 0);
        h.send(publish("t", 1, 1, new byte[1]));
        assertFalse(h.server.config().isAutoRead());
        // decoded at once, then held by flow control until reads resume
        assertTrue(h.sendRaw(connectBytes(MqttVersion.MQTT_3_1_1, "twice-held")).isEmpty());
        h.ingest.complete(0, Delivery.rejected("kafka: RecordTooLargeException: too big"));
        List<MqttMessage> answers = h.pump();
        assertEquals(MqttMessageType.PUBACK, answers.get(0).fixedHeader().messageType(), "answers: " + answers);
        assertEquals(0x80, ((MqttPubReplyMessageVariableHeader) answers.get(0).variableHeader()).reasonCode() & 0xff,
                "an MQTT 5 error PUBACK; encoded as MQTT 3.1.1 it would read as a success");
        assertEquals(0x82, disconnectReason(answers.get(1)), "then the held CONNECT is a protocol error");
        assertEquals(2, answers.size());
        assertFalse(h.server.isActive());
    }
}
