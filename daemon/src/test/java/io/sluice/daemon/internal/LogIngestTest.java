package io.sluice.daemon.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.ingest.Envelope;
import io.sluice.security.Identity;
import io.sluice.sinks.HeaderLayout;
import io.sluice.sinks.LogHeader;
import io.sluice.sinks.LogRecord;
import io.sluice.sinks.ReadingHeader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogIngestTest {
    private static final byte[] NODE = "node-a".getBytes(StandardCharsets.UTF_8);
    private static final Envelope READING = new Envelope("dev-1", "sensors/dev 1/temp", new byte[] {1, 2},
            "mqtt", "5", 1, 1_733_450_000_123_456_789L, "application/json", List.of(
                    new Envelope.UserProperty("unit", "C")), null);

    private static List<String> names(LogRecord r) {
        return r.headers().stream().map(LogHeader::name).toList();
    }

    private static String text(LogHeader h) {
        return new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void compact_putsTheFieldsInOneHeader_andKeepsTheOptionalOnes() {
        LogRecord r = LogIngest.toRecord(READING, NODE, HeaderLayout.COMPACT);
        assertEquals("dev-1", r.key());
        assertEquals(List.of("sluice", "sluice.identity", "sluice.content_type", "mqtt.user.unit"), names(r));
        assertEquals("1 1733450000123456789 mqtt 5 1 node-a sensors/dev 1/temp", text(r.headers().get(0)));
    }

    @Test
    void full_writesOneHeaderPerField_withTheSameValues() {
        LogRecord full = LogIngest.toRecord(READING, NODE, HeaderLayout.FULL);
        assertEquals(List.of("sluice.topic", "sluice.received_ns", "sluice.protocol", "sluice.protocol_version",
                "sluice.qos", "sluice.node", "sluice.identity", "sluice.content_type", "mqtt.user.unit"), names(full));
        Map<String, String> fullFields = new LinkedHashMap<>();
        full.headers().subList(0, 6).forEach(h -> fullFields.put(h.name(), text(h)));
        LogRecord compact = LogIngest.toRecord(READING, NODE, HeaderLayout.COMPACT);
        assertEquals(fullFields, Map.copyOf(ReadingHeader.fields(compact.headers().get(0).value())));
    }

    @Test
    void identityHeader_namesTheMethod_andTheIdentityWhenThereIsOne() {
        Envelope e = new Envelope("dev-1", "t", new byte[0], "mqtt", "5", 1, 1L, null, List.of(), null,
                Identity.certificate("CN with spaces"));
        for (HeaderLayout layout : HeaderLayout.values()) {
            Map<String, String> h = new LinkedHashMap<>();
            LogIngest.toRecord(e, NODE, layout).headers().forEach(x -> h.put(x.name(), text(x)));
            assertEquals("certificate CN with spaces", h.get("sluice.identity"));
            LogIngest.toRecord(READING, NODE, layout).headers().forEach(x -> h.put(x.name(), text(x)));
            assertEquals("anonymous", h.get("sluice.identity"));
            LogIngest.toRecord(new Envelope("d", "t", new byte[0], "mqtt", "3.1.1", 0, 1L, null, List.of(), null,
                    Identity.password("alice")), NODE, layout).headers().forEach(x -> h.put(x.name(), text(x)));
            assertEquals("password alice", h.get("sluice.identity"));
        }
    }

    /** Kafka's serialized size of a record, every varint at its widest (5 bytes; 10 for the timestamp delta). */
    private static long serializedUpperBound(LogRecord r) {
        long size = 5 + 1 + 10 + 5 + 5 + r.key().getBytes(StandardCharsets.UTF_8).length + 5 + r.value().length + 5;
        for (LogHeader h : r.headers()) {
            size += 5 + h.name().getBytes(StandardCharsets.UTF_8).length + 5 + h.value().length;
        }
        return size;
    }

    @Test
    void envelopeWeight_coversTheRecordTheLogWrites_inBothLayouts_withTheLongestNodeId() {
        byte[] longestNode = "n".repeat(Envelope.MAX_NODE_ID_BYTES).getBytes(StandardCharsets.UTF_8);
        List<Envelope.UserProperty> many = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            many.add(new Envelope.UserProperty("ключ" + i, i % 2 == 0 ? "" : "värde-" + i));
        }
        List<Envelope> envelopes = List.of(READING,
                new Envelope("d", "t", new byte[0], "line-udp", null, 0, 1L, null, List.of(), "[2001:db8::1]:9"),
                new Envelope("d", "t", new byte[0], "mqtt", "5", 0, 1L, null, List.of(), null,
                        Identity.certificate("ид".repeat(2000))),
                new Envelope("温度计-1", "温度/".repeat(300), new byte[] {1}, "mqtt", "5", 1, Long.MAX_VALUE,
                        "text/" + "ü".repeat(100), many, null));
        for (Envelope e : envelopes) {
            for (HeaderLayout layout : HeaderLayout.values()) {
                LogRecord r = LogIngest.toRecord(e, longestNode, layout);
                long held = serializedUpperBound(r);
                assertTrue(e.weightBytes() >= held, layout + ": weight " + e.weightBytes() + " < record " + held);
            }
        }
    }
}
