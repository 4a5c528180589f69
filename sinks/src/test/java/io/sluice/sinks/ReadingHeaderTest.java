package io.sluice.sinks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReadingHeaderTest {
    private static final byte[] NODE = "node-a".getBytes(StandardCharsets.UTF_8);

    private static String topicOf(byte[] v) {
        int at = ReadingHeader.topicStart(v);
        return new String(Arrays.copyOfRange(v, at, v.length), StandardCharsets.UTF_8);
    }

    @Test
    void encode_thenRead_givesEveryField_theTopicWithItsSpacesAndUtf8() {
        byte[] v = ReadingHeader.encode(1_733_450_000_123_456_789L, "mqtt", "3.1.1", 1, NODE, "plant 7/gerät/t");
        assertEquals("1 1733450000123456789 mqtt 3.1.1 1 node-a plant 7/gerät/t",
                new String(v, StandardCharsets.UTF_8));
        assertEquals(1_733_450_000_123_456_789L, ReadingHeader.receivedNs(v));
        assertEquals("plant 7/gerät/t", topicOf(v));
        assertEquals(Map.of("sluice.received_ns", "1733450000123456789", "sluice.protocol", "mqtt",
                "sluice.protocol_version", "3.1.1", "sluice.qos", "1", "sluice.node", "node-a",
                "sluice.topic", "plant 7/gerät/t"), ReadingHeader.fields(v));
    }

    @Test
    void absentProtocolVersion_isADash_andLeftOutOfTheFields() {
        byte[] v = ReadingHeader.encode(5, "line-udp", null, -1, NODE, "m");
        assertEquals("1 5 line-udp - -1 node-a m", new String(v, StandardCharsets.UTF_8));
        assertEquals(Map.of("sluice.received_ns", "5", "sluice.protocol", "line-udp", "sluice.qos", "-1",
                "sluice.node", "node-a", "sluice.topic", "m"), ReadingHeader.fields(v));
    }

    @Test
    void valuesOfAnotherShape_areRefused_notMisread() {
        for (String bad : new String[] {"", "1", "2 5 mqtt 5 1 n t", "1 5 mqtt 5 1 n", "15 mqtt 5 1 n t"}) {
            byte[] v = bad.getBytes(StandardCharsets.UTF_8);
            assertEquals(-1, ReadingHeader.topicStart(v), bad);
            assertThrows(IllegalArgumentException.class, () -> ReadingHeader.fields(v), bad);
        }
        assertEquals(-1, ReadingHeader.receivedNs(null));
        assertEquals(-1, ReadingHeader.receivedNs("1 x5 mqtt 5 1 n t".getBytes(StandardCharsets.UTF_8)));
        assertEquals(-1, ReadingHeader.receivedNs("1  mqtt 5 1 n t".getBytes(StandardCharsets.UTF_8)));
        assertEquals(-1, ReadingHeader.receivedNs("1 99999999999999999999 m 5 1 n t".getBytes(StandardCharsets.UTF_8)),
                "20 digits do not fit");
        assertEquals(-1, ReadingHeader.receivedNs("1 9999999999999999999 m 5 1 n t".getBytes(StandardCharsets.UTF_8)),
                "19 digits past Long.MAX_VALUE");
    }
}
