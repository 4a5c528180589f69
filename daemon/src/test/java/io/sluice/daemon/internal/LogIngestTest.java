package io.sluice.daemon.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.ingest.Envelope;
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
        assertEquals(List.of("sluice", "sluice.content_type", "mqtt.user.unit"), names(r));
        assertEquals("1 1733450000123456789 mqtt 5 1 node-a sensors/dev 1/temp", text(r.headers().get(0)));
    }

    @Test
    void full_writesOneHeaderPerField_withTheSameValues() {
        LogRecord full = LogIngest.toRecord(READING, NODE, HeaderLayout.FULL);
        assertEquals(List.of("sluice.topic", "sluice.received_ns", "sluice.protocol", "sluice.protocol_version",
                "sluice.qos", "sluice.node", "sluice.content_type", "mqtt.user.unit"), names(full));
        Map<String, String> fullFields = new LinkedHashMap<>();
        full.headers().subList(0, 6).forEach(h -> fullFields.put(h.name(), text(h)));
        LogRecord compact = LogIngest.toRecord(READING, NODE, HeaderLayout.COMPACT);
        assertEquals(fullFields, Map.copyOf(ReadingHeader.fields(compact.headers().get(0).value())));
    }
}
