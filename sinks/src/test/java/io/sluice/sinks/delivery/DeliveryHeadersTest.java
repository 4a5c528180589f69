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
}
