package io.sluice.ingest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnvelopeWeightTest {
    private static Envelope envelope(String topic, String contentType, List<Envelope.UserProperty> props,
                                     String source) {
        return new Envelope("dev-1", topic, new byte[] {1}, Protocols.MQTT, "5", 0, 1L, contentType, props, source);
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    @Test
    void userProperties_countInTheWeight_soQuarterMegabyteOfPropertiesOnAOneBytePayloadWeighsThatMuch() {
        List<Envelope.UserProperty> props = new ArrayList<>();
        int propertyBytes = 0;
        for (int i = 0; i < 250; i++) {
            var p = new Envelope.UserProperty("k" + i, "v".repeat(1000));
            props.add(p);
            propertyBytes += utf8(p.name()) + utf8(p.value());
        }
        Envelope e = envelope("t", null, props, null);
        assertTrue(e.weightBytes() >= propertyBytes, "weight " + e.weightBytes() + " < " + propertyBytes);
    }

    @Test
    void everyPartOfAMessage_addsAtLeastItsUtf8Bytes_andNonAsciiTextCountsByItsEncodedSize() {
        Envelope bare = envelope("t", null, List.of(), null);
        String ct = "application/x-" + "ü".repeat(500);
        Envelope typed = envelope("t", ct, List.of(), null);
        assertTrue(typed.weightBytes() - bare.weightBytes() >= utf8(ct));
        String source = "[2001:db8::1]:40000";
        assertTrue(envelope("t", null, List.of(), source).weightBytes() - bare.weightBytes() >= utf8(source));
        String topic = "温度/".repeat(1000);
        assertTrue(envelope(topic, null, List.of(), null).weightBytes() - bare.weightBytes() >= 2L * utf8(topic),
                "a topic is held as a Java string and again as UTF-8 in the record header");
    }
}
