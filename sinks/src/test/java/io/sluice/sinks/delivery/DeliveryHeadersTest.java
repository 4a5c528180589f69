package io.sluice.sinks.delivery;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.delivery.Message;
import io.sluice.ingest.Envelope.UserProperty;
import io.sluice.sinks.delivery.internal.DeliveryHeaders;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

class DeliveryHeadersTest {

    private static Message full() {
        return new Message("plant/boiler 1/temp", "21.5".getBytes(UTF_8), 2, true, "publisher one", 1_733_450_000_123L,
                3600, 1, "text/plain; charset=utf-8", "replies/α", new byte[] {0, (byte) 0xff, 7},
                List.of(new UserProperty("unit", "C"), new UserProperty("unit", "K"), new UserProperty("", "")));
    }

    @Test
    void everyFieldOfAMessage_survivesTheHeaders_repeatedUserPropertiesInOrder() {
        Message m = full();

        Message back = DeliveryHeaders.decode(Arrays.asList(DeliveryHeaders.encode(m)), m.payload(), null);

        assertEquals(m.topic(), back.topic());
        assertArrayEquals(m.payload(), back.payload());
        assertEquals(2, back.qos());
        assertTrue(back.retain());
        assertEquals("publisher one", back.publisherClientId());
        assertEquals(1_733_450_000_123L, back.publishedAtMillis());
        assertEquals(3600, back.expirySeconds());
        assertEquals(1, back.payloadFormat());
        assertEquals("text/plain; charset=utf-8", back.contentType());
        assertEquals("replies/α", back.responseTopic());
        assertArrayEquals(new byte[] {0, (byte) 0xff, 7}, back.correlationData());
        assertEquals(m.userProperties(), back.userProperties());
    }

    @Test
    void theSharedGroupsHeaders_readBackAsTheSetANodeServes_emptyForNone_absentForAll() {
        Message m = new Message("a/b", new byte[] {1}, 1, false, "p", 5, 0, -1, null, null, null, List.of());
        List<Header> some = new java.util.ArrayList<>(Arrays.asList(DeliveryHeaders.encode(m)));
        DeliveryHeaders.addSharedGroups(some, java.util.Set.of("g/a/+", "h/#"));
        List<Header> none = new java.util.ArrayList<>(Arrays.asList(DeliveryHeaders.encode(m)));
        DeliveryHeaders.addSharedGroups(none, java.util.Set.of());

        assertEquals(java.util.Set.of("g/a/+", "h/#"), DeliveryHeaders.decode(some, m.payload(), null).sharedGroups());
        assertEquals(List.of("sluice.shared"), none.stream().map(Header::key).filter(k -> k.equals("sluice.shared"))
                .toList(), "one empty header stands for none");
        assertEquals(java.util.Set.of(), DeliveryHeaders.decode(none, m.payload(), null).sharedGroups());
        assertNull(DeliveryHeaders.decode(Arrays.asList(DeliveryHeaders.encode(m)), m.payload(), null).sharedGroups(),
                "a record without the header (an earlier version's): every group");
    }

    @Test
    void theOrigin_survivesTheHeaders_withAndWithoutAKey_andAMalformedOneIsRefused() {
        Message m = new Message("a/b", new byte[] {1}, 1, false, "", 5, 0, -1, null, null, null, List.of());
        io.sluice.delivery.Origin keyed = new io.sluice.delivery.Origin("sluice.downlink", 11, 123_456_789_012L,
                "dev 42/α");
        io.sluice.delivery.Origin keyless = new io.sluice.delivery.Origin("cmds", 0, 0, null);

        Header[] withKey = DeliveryHeaders.encode(m.withOrigin(keyed));
        Header[] withoutKey = DeliveryHeaders.encode(m.withOrigin(keyless));

        assertEquals(keyed, DeliveryHeaders.decode(Arrays.asList(withKey), m.payload(), null).origin());
        assertEquals(keyless, DeliveryHeaders.decode(Arrays.asList(withoutKey), m.payload(), null).origin());
        assertEquals("sluice.downlink 11 123456789012",
                new String(Arrays.stream(withKey).filter(h -> h.key().equals("sluice.origin")).findFirst()
                        .orElseThrow().value(), UTF_8));
        assertFalse(Arrays.stream(withoutKey).anyMatch(h -> h.key().equals("sluice.origin_key")));
        assertNull(DeliveryHeaders.decode(Arrays.asList(DeliveryHeaders.encode(m)), m.payload(), null).origin());
        assertNull(DeliveryHeaders.decode(Arrays.asList(withKey), m.payload(), "a/b").origin(),
                "a retained record names no origin");
        List<Header> bad = new java.util.ArrayList<>(Arrays.asList(DeliveryHeaders.encode(m)));
        bad.add(new RecordHeader("sluice.origin", "cmds x 5".getBytes(UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> DeliveryHeaders.decode(bad, m.payload(), null));
    }

    @Test
    void absentOptionalFields_writeNoHeader_andReadBackAbsent() {
        Message m = new Message("a/b", new byte[] {1}, 0, false, "p", 5, 0, -1, null, null, null, List.of());

        Header[] headers = DeliveryHeaders.encode(m);
        Message back = DeliveryHeaders.decode(Arrays.asList(headers), m.payload(), null);

        assertEquals(List.of("sluice.topic", "sluice.qos", "sluice.publisher", "sluice.published_ms"),
                Arrays.stream(headers).map(Header::key).toList());
        assertFalse(back.retain());
        assertEquals(0, back.expirySeconds());
        assertEquals(-1, back.payloadFormat());
        assertNull(back.contentType());
        assertNull(back.responseTopic());
        assertNull(back.correlationData());
        assertEquals(0, back.qos());
    }

    @Test
    void aTombstone_withoutHeaders_isADeletionOfTheKeysTopic() {
        Message back = DeliveryHeaders.decode(List.of(), null, "lights/hall");

        assertEquals("lights/hall", back.topic());
        assertEquals(0, back.payload().length);
    }

    @Test
    void recordsNotWrittenBySluice_areRefused_namingTheHeader() {
        var noTopic = assertThrows(IllegalArgumentException.class,
                () -> DeliveryHeaders.decode(List.of(), new byte[] {1}, null));
        assertTrue(noTopic.getMessage().contains("sluice.topic"), noTopic.getMessage());

        var badQos = assertThrows(IllegalArgumentException.class, () -> DeliveryHeaders.decode(List.of(
                new RecordHeader("sluice.topic", "t".getBytes(UTF_8)), new RecordHeader("sluice.qos", "3".getBytes(UTF_8))),
                new byte[] {1}, null));
        assertTrue(badQos.getMessage().contains("sluice.qos"), badQos.getMessage());

        var notANumber = assertThrows(IllegalArgumentException.class, () -> DeliveryHeaders.decode(List.of(
                new RecordHeader("sluice.topic", "t".getBytes(UTF_8)),
                new RecordHeader("sluice.published_ms", "-1".getBytes(UTF_8))), new byte[] {1}, null));
        assertTrue(notANumber.getMessage().contains("sluice.published_ms"), notANumber.getMessage());
    }

    // Defects DeliveryHeadersFuzzTest found (each reproducer is in its corpus): what decode let through before.

    private static RecordHeader header(String name, String value) {
        return new RecordHeader(name, value.getBytes(UTF_8));
    }

    private static IllegalArgumentException refused(String retainedKey, RecordHeader... headers) {
        return assertThrows(IllegalArgumentException.class,
                () -> DeliveryHeaders.decode(List.of(headers), new byte[] {1}, retainedKey));
    }

    @Test
    void aTopicWithAWildcardOrU0000_isRefused_asNoPublishCanCarryIt() {
        for (String topic : List.of("a/+/b", "a/#", "#", "abc\u0000\u0000x")) {
            var e = refused(null, header("sluice.topic", topic));
            assertTrue(e.getMessage().contains("not a topic name"), e.getMessage());
        }
        var fromKey = refused("lights/#");
        assertTrue(fromKey.getMessage().contains("not a topic name"), fromKey.getMessage());
    }

    @Test
    void aRetainedRecordWhoseTopicHeaderIsNotItsKey_isRefused_notHeldUnderAnotherTopic() {
        var e = refused("lights/hall", header("sluice.topic", "lights/kitchen"));

        assertTrue(e.getMessage().contains("sluice.topic 'lights/kitchen' is not the retained record's key"
                + " 'lights/hall'"), e.getMessage());
        assertEquals("lights/hall", DeliveryHeaders.decode(List.of(header("sluice.topic", "lights/hall")), null,
                "lights/hall").topic());
    }

    @Test
    void textThatIsNotUtf8_isRefused_notReplaced() {
        for (String name : List.of("sluice.topic", "sluice.publisher", "sluice.content_type", "mqtt.response_topic",
                "mqtt.user.unit")) {
            var e = refused(null, header("sluice.topic", "t"), new RecordHeader(name, new byte[] {'r', (byte) 0xce, '#'}));
            assertTrue(e.getMessage().startsWith(name + " is not UTF-8"), e.getMessage());
        }
    }

    @Test
    void aFieldLongerThanAnMqttStringOrBinaryField_isRefused_namingTheHeader() {
        byte[] tooLong = new byte[65_536];
        Arrays.fill(tooLong, (byte) 'a');
        for (String name : List.of("sluice.topic", "sluice.publisher", "sluice.content_type", "mqtt.response_topic",
                "mqtt.correlation_data", "mqtt.user.unit")) {
            var e = refused(null, header("sluice.topic", "t"), new RecordHeader(name, tooLong));
            assertTrue(e.getMessage().startsWith(name + " has 65536 bytes"), e.getMessage());
            byte[] fits = Arrays.copyOf(tooLong, 65_535);
            DeliveryHeaders.decode(List.of(header("sluice.topic", "t"), new RecordHeader(name, fits)), null, null);
        }
        var longName = refused(null, header("sluice.topic", "t"), header("mqtt.user." + "n".repeat(65_536), "v"));
        assertTrue(longName.getMessage().contains("longer than an MQTT string"), longName.getMessage());
        var keyTooLong = refused("k".repeat(65_536));
        assertTrue(keyTooLong.getMessage().contains("longer than an MQTT string"), keyTooLong.getMessage());
    }

    @Test
    void aRefusal_quotesOnlyTheStartOfALongValue() {
        var e = refused(null, header("sluice.topic", "t"), header("mqtt.expiry_s", "t.user.u".repeat(115)));

        assertTrue(e.getMessage().startsWith("mqtt.expiry_s is not a number: 't.user.u"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(920 bytes)"), e.getMessage());
        assertTrue(e.getMessage().length() < 120, e.getMessage());
    }

    @Test
    void aRefusal_isOneLine_evenWhenTheRecordHoldsLineBreaks() {
        var e = refused(null, header("sluice.topic", "t"), header("sluice.qos", "1\n2026-12-07 WARN forged line"));

        assertEquals("sluice.qos is not a number: '1?2026-12-07 WARN forged line'", e.getMessage());
    }
}
