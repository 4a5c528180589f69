package io.sluice.sinks.downlink.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.delivery.Message;
import io.sluice.ingest.Envelope.UserProperty;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class DownlinkRecordTest {

    private static RecordHeaders headers(String... nameValue) {
        RecordHeaders h = new RecordHeaders();
        for (int i = 0; i < nameValue.length; i += 2) {
            h.add(nameValue[i], nameValue[i + 1].getBytes(UTF_8));
        }
        return h;
    }

    @Test
    void aRecordWithEveryHeader_isTheMessageItDescribes() {
        RecordHeaders h = headers("sluice.topic", "cmd/dev-42/set", "sluice.qos", "2", "sluice.retain", "1",
                "mqtt.expiry_s", "60", "mqtt.payload_format", "1", "sluice.content_type", "application/json",
                "mqtt.response_topic", "replies/dev-42", "mqtt.user.origin", "planner", "mqtt.user.origin", "ops");
        h.add("mqtt.correlation_data", new byte[] {1, 2, (byte) 0xff});

        Message m = DownlinkRecord.decode(h, "{\"on\":true}".getBytes(UTF_8), 1_000);

        assertEquals("cmd/dev-42/set", m.topic());
        assertArrayEquals("{\"on\":true}".getBytes(UTF_8), m.payload());
        assertEquals(2, m.qos());
        assertTrue(m.retain());
        assertEquals(60, m.expirySeconds());
        assertEquals(1, m.payloadFormat());
        assertEquals("application/json", m.contentType());
        assertEquals("replies/dev-42", m.responseTopic());
        assertArrayEquals(new byte[] {1, 2, (byte) 0xff}, m.correlationData());
        assertEquals(List.of(new UserProperty("origin", "planner"), new UserProperty("origin", "ops")),
                m.userProperties());
    }

    @Test
    void theOrigin_isWhereTheRecordIs_neverWhatASluiceOriginHeaderOfTheBackendSays() {
        RecordHeaders h = headers("sluice.topic", "cmd/a", "sluice.origin", "forged 9 999", "sluice.origin_key", "x");
        io.sluice.delivery.Origin real = new io.sluice.delivery.Origin("sluice.downlink", 2, 17, "dev-42");

        Message m = DownlinkRecord.decode(h, new byte[] {7}, 1_000, real);

        assertEquals(real, m.origin());
    }

    @Test
    void withoutAQosHeader_theQosIs1_andTheRecordIsNotRetained() {
        Message m = DownlinkRecord.decode(headers("sluice.topic", "cmd/a"), new byte[] {7}, 1_000);

        assertEquals(1, m.qos());
        assertFalse(m.retain());
        assertEquals(0, m.expirySeconds());
    }

    @Test
    void thePublisherIsEmpty_andTheMessageCountsAsPublishedWhenRead_whatTheRecordSays() {
        Message m = DownlinkRecord.decode(headers("sluice.topic", "cmd/a", "sluice.publisher", "dev-42",
                "sluice.published_ms", "5"), new byte[0], 1_234);

        assertEquals("", m.publisherClientId(), "no client id is empty: no-local never matches a downlink message");
        assertEquals(1_234, m.publishedAtMillis());
    }

    @Test
    void recordsThatDoNotDecode_areRefusedNamingTheHeader() {
        assertTrue(refusal(headers("mqtt.user.a", "b")).contains("no sluice.topic"));
        assertTrue(refusal(headers("sluice.topic", "cmd/+/set")).contains("wildcard"));
        assertTrue(refusal(headers("sluice.topic", "cmd/#")).contains("wildcard"));
        assertTrue(refusal(headers("sluice.topic", "cmd/a", "sluice.qos", "3")).contains("sluice.qos"));
        assertTrue(refusal(headers("sluice.topic", "cmd/a", "sluice.qos", "one")).contains("sluice.qos"));
        RecordHeaders notUtf8 = new RecordHeaders();
        notUtf8.add("sluice.topic", new byte[] {'c', (byte) 0xc3, (byte) 0x28});
        assertTrue(refusal(notUtf8).contains("not UTF-8"));
        assertTrue(refusal(headers("sluice.topic", "cmd/a", "mqtt.expiry_s", "-1")).contains("mqtt.expiry_s"));
    }

    private static String refusal(RecordHeaders h) {
        return assertThrows(IllegalArgumentException.class, () -> DownlinkRecord.decode(h, new byte[0], 0))
                .getMessage();
    }
}
