package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.ingest.InflightBudget;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A PUBLISH whose Topic Name is not well-formed UTF-8 is a malformed packet [MQTT-1.5.4-1]: the connection ends and
 * nothing is written. The decoder is built strict (its third argument): without it Netty would replace the bytes
 * with U+FFFD and the reading would go to Kafka and subscribers under a name the client never sent. This class
 * keeps that choice from being undone.
 */
class TopicUtf8Test {
    private MqttHarness h;

    @AfterEach
    void close() {
        if (h != null) {
            h.close();
        }
    }

    private MqttHarness harness() {
        ManualIngest ingest = new ManualIngest();
        h = new MqttHarness(MqttHarness.context(MqttHarness.config(64, 4, 4096), ingest, new InflightBudget(1 << 20),
                new MemorySessionStore()), ingest);
        return h;
    }

    /** A QoS 0 PUBLISH (3.1.1 layout, or MQTT 5 with an empty property block) with these topic bytes. */
    private static byte[] publish(byte[] topic, boolean mqtt5) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(topic.length >> 8);
        body.write(topic.length & 0xff);
        body.writeBytes(topic);
        if (mqtt5) {
            body.write(0); // property length
        }
        body.writeBytes("21.5".getBytes(StandardCharsets.US_ASCII));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        out.write(body.size()); // < 128 here
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    @Test
    void mqtt5_illFormedTopic_getsDisconnectMalformed_andNothingIsWritten() {
        MqttHarness h = harness();
        h.connect(MqttVersion.MQTT_5, "dev-utf8", true, 0);
        byte[] good = publish("s/ok".getBytes(StandardCharsets.UTF_8), true);
        byte[] bad = publish(bytes('s', '/', 0xC3, 0x28), true); // 0xC3 must be followed by a continuation byte
        assertEquals(List.of(), h.sendRaw(good));
        List<MqttMessage> answers = h.sendRaw(bad);
        assertEquals(1, answers.size(), answers.toString());
        assertEquals(MqttMessageType.DISCONNECT, answers.get(0).fixedHeader().messageType());
        assertEquals(0x81, ((MqttReasonCodeAndPropertiesVariableHeader) answers.get(0).variableHeader()).reasonCode()
                & 0xff);
        assertFalse(h.server.isActive());
        assertEquals(1, h.ingest.received.size(), "only the well-formed PUBLISH before it is written");
        assertEquals("s/ok", h.ingest.received.get(0).topic());
        assertEquals(1, h.ctx.stats().event("malformed_packet"), h.ctx.stats().events().toString());
    }

    @Test
    void mqtt311_illFormedTopic_splitAcrossReads_closesTheConnection() {
        MqttHarness h = harness();
        h.connect(MqttVersion.MQTT_3_1_1, "dev-utf8-4", true, 0);
        byte[] bad = publish(bytes('a', 0xED, 0xA0, 0x80), false); // an encoded surrogate, U+D800
        for (int i = 0; i < bad.length && h.server.isActive(); i++) {
            h.sendRaw(new byte[] {bad[i]});
        }
        assertFalse(h.server.isActive());
        assertEquals(0, h.ingest.received.size());
        assertEquals(1, h.ctx.stats().event("malformed_packet"), h.ctx.stats().events().toString());
    }

    @Test
    void wellFormedMultiByteTopics_areAccepted() {
        MqttHarness h = harness();
        h.connect(MqttVersion.MQTT_5, "dev-utf8-ok", true, 0);
        String topic = "capteurs/température/\u00e9t\u00e9/\u65e5\u672c/\uD83D\uDE00/\uFFFD"; // U+FFFD itself is valid
        h.sendRaw(publish(topic.getBytes(StandardCharsets.UTF_8), true));
        assertTrue(h.server.isActive());
        assertEquals(1, h.ingest.received.size());
        assertEquals(topic, h.ingest.received.get(0).topic());
        assertEquals(0, h.ctx.stats().event("malformed_packet"));
    }

    @Test
    void everyIllFormedForm_isRefused_andEveryWellFormedOne_accepted() {
        int[][] illFormed = {{0x80}, {0xC0, 0x80}, {0xC1, 0xBF}, {0xE0, 0x80, 0x80}, {0xED, 0xA0, 0x80},
            {0xF0, 0x80, 0x80, 0x80}, {0xF4, 0x90, 0x80, 0x80}, {0xF5, 0x80, 0x80, 0x80}, {0xFF}, {0xE2, 0x82}};
        for (int[] form : illFormed) {
            MqttHarness h = harness();
            h.connect(MqttVersion.MQTT_3_1_1, "dev-utf8-f", true, 0);
            byte[] topic = new byte[form.length + 2];
            topic[0] = 'x';
            topic[1] = '/';
            for (int i = 0; i < form.length; i++) {
                topic[i + 2] = (byte) form[i];
            }
            h.sendRaw(publish(topic, false));
            String what = java.util.Arrays.toString(form);
            assertFalse(h.server.isActive(), what);
            assertEquals(0, h.ingest.received.size(), what);
            assertEquals(1, h.ctx.stats().event("malformed_packet"), what);
            h.close();
            this.h = null;
        }
        int[][] wellFormed = {{0x7F}, {0xC2, 0x80}, {0xE0, 0xA0, 0x80}, {0xED, 0x9F, 0xBF}, {0xF0, 0x90, 0x80, 0x80},
            {0xF4, 0x8F, 0xBF, 0xBF}};
        for (int[] form : wellFormed) {
            MqttHarness h = harness();
            h.connect(MqttVersion.MQTT_3_1_1, "dev-utf8-g", true, 0);
            byte[] topic = new byte[form.length];
            for (int i = 0; i < form.length; i++) {
                topic[i] = (byte) form[i];
            }
            h.sendRaw(publish(topic, false));
            String what = java.util.Arrays.toString(form);
            assertTrue(h.server.isActive(), what);
            assertEquals(1, h.ingest.received.size(), what);
            h.close();
            this.h = null;
        }
    }
}
