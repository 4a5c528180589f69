package io.sluice.sinks.delivery;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sluice.delivery.Message;
import io.sluice.ingest.Envelope.UserProperty;
import io.sluice.sinks.delivery.internal.DeliveryHeaders;
import io.sluice.sinks.fanout.FuzzInput;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Fuzz target of the delivery log's record decoder ({@link DeliveryHeaders#decode}), which reads whatever the delivery
 * and retained topics hold: anything that can write to them controls the headers, the value and the key. Whatever
 * they are, decode returns a message or throws IllegalArgumentException with a short message (nothing else escapes:
 * any other exception would end the node's delivery reader). A returned message is one an MQTT PUBLISH can carry
 * and Sluice could have written: QoS 0-2, a topic name (1 to 65,535 UTF-8 bytes, no wildcard, no U+0000) that is the
 * retained record's key when there is one, text fields that are their header's bytes exactly (well-formed UTF-8,
 * never replaced) and fit an MQTT string, numbers in their range; encoding it gives headers that decode to an equal
 * message. Decoding allocates no more than a small multiple of the record's size (no length field is trusted).
 *
 * <p>Input, read by {@link FuzzInput}: a flag byte (bit 0: a retained record, whose key follows; bit 1: a null
 * value, a tombstone), a header count (modulo 33), then per header a name (a pick among the names Sluice uses, a
 * user property or arbitrary text) and a value (null, a length byte and the bytes, or a unit repeated up to
 * 262,144 bytes and a tail), and last the value in {@link FuzzInput}'s repeated-unit form. In a normal test run it
 * replays {@code DeliveryHeadersFuzzTestInputs/}; with {@code JAZZER_FUZZ=1} it fuzzes (docs/FUZZING.md).
 */
class DeliveryHeadersFuzzTest {
    private static final int MAX_HEADERS = 32;
    /** The largest header value or key tried: past an MQTT string's 65,535 bytes, below Kafka's 1 MiB record. */
    private static final int MAX_TEXT_BYTES = 262_144;
    private static final int MAX_PAYLOAD_BYTES = 262_144;
    private static final int MAX_ERROR_CHARS = 512;
    /** What decoding may allocate beyond 8 bytes per input byte: the message, its list, an exception's trace. */
    private static final long ALLOCATION_SLACK_BYTES = 1 << 20;
    private static final String[] NAMES = {
        DeliveryHeaders.TOPIC, DeliveryHeaders.QOS, DeliveryHeaders.RETAIN, DeliveryHeaders.PUBLISHER,
        DeliveryHeaders.PUBLISHED_MS, DeliveryHeaders.EXPIRY_S, DeliveryHeaders.PAYLOAD_FORMAT,
        DeliveryHeaders.CONTENT_TYPE, DeliveryHeaders.RESPONSE_TOPIC, DeliveryHeaders.CORRELATION_DATA,
        DeliveryHeaders.USER_PROPERTY_PREFIX, DeliveryHeaders.USER_PROPERTY_PREFIX + "unit", DeliveryHeaders.ORIGIN,
        DeliveryHeaders.ORIGIN_KEY};
    private static final String[] TEXT_HEADERS = {
        DeliveryHeaders.TOPIC, DeliveryHeaders.PUBLISHER, DeliveryHeaders.CONTENT_TYPE, DeliveryHeaders.RESPONSE_TOPIC};
    private static final com.sun.management.ThreadMXBean THREADS =
            ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                    && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled() ? t : null;

    @FuzzTest(maxDuration = "20s")
    void anyRecord_decodesToAConsistentMessage_orIsRefusedWithIllegalArgument(byte[] input) {
        FuzzInput in = new FuzzInput(input);
        int flags = in.u8();
        long inputBytes = 0;
        String retainedKey = null;
        if ((flags & 1) != 0) {
            byte[] key = text(in);
            retainedKey = new String(key, UTF_8); // as Kafka's StringDeserializer reads a key
            inputBytes += key.length;
        }
        RecordHeaders headers = new RecordHeaders();
        Map<String, byte[]> lastValue = new HashMap<>();
        int count = in.u8() % (MAX_HEADERS + 1);
        for (int k = 0; k < count; k++) {
            String name = name(in);
            byte[] value = value(in);
            headers.add(new RecordHeader(name, value));
            inputBytes += name.length() + (value == null ? 0 : value.length);
            if (value != null) {
                lastValue.put(name, value);
            }
        }
        byte[] payload = (flags & 2) != 0 ? null : in.repeatedThenTail(MAX_PAYLOAD_BYTES);

        Object outcome = decodeOrRefusal(headers, payload, retainedKey);
        // measured on a second decode of the same record: the first may load classes (which the agent instruments);
        // when that is over the bound, once more, and the lower figure counts: while fuzzing, the agent's own hooks
        // allocate on this thread now and then (one exploratory run saw 4.3 MB for a 386-byte input that decodes
        // within the bound every time in the regression run)
        long before = allocated();
        Object again = decodeOrRefusal(headers, payload, retainedKey);
        long allocatedBytes = allocated() - before;
        if (THREADS != null && allocatedBytes > 8 * inputBytes + ALLOCATION_SLACK_BYTES) {
            before = allocated();
            decodeOrRefusal(headers, payload, retainedKey);
            allocatedBytes = Math.min(allocatedBytes, allocated() - before);
        }
        assertEquals(outcome.getClass(), again.getClass(), "decoding is deterministic");
        if (THREADS != null) {
            assertTrue(allocatedBytes <= 8 * inputBytes + ALLOCATION_SLACK_BYTES, "decoding " + inputBytes
                    + " bytes of headers and key allocated " + allocatedBytes + " bytes");
        }
        if (outcome instanceof IllegalArgumentException refused) {
            String why = refused.getMessage();
            assertNotNull(why, "a refusal says why");
            assertFalse(why.isBlank(), "a refusal says why");
            assertTrue(why.length() <= MAX_ERROR_CHARS, "a refusal is one short line, not the record: "
                    + why.length() + " chars");
            assertTrue(why.chars().noneMatch(Character::isISOControl), "a refusal is one line, without control"
                    + " characters a record could forge log lines with: " + why);
            return;
        }
        Message m = (Message) outcome;
        checkConsistent(m, payload, retainedKey, lastValue);
        Message back = DeliveryHeaders.decode(Arrays.asList(DeliveryHeaders.encode(m)), m.payload(), retainedKey);
        assertSameMessage(m, back);
    }

    /** The message, or the IllegalArgumentException decode threw; anything else escapes and is a finding. */
    private static Object decodeOrRefusal(Headers headers, byte[] payload, String retainedKey) {
        try {
            return DeliveryHeaders.decode(headers, payload, retainedKey);
        } catch (IllegalArgumentException refused) {
            return refused;
        }
    }

    private static void checkConsistent(Message m, byte[] payload, String retainedKey, Map<String, byte[]> last) {
        assertTrue(isTopicName(m.topic()), "a topic name (1-65,535 UTF-8 bytes, no wildcard, no U+0000): "
                + abbreviate(m.topic()));
        if (retainedKey != null) {
            assertEquals(retainedKey, m.topic(), "a retained record holds the message of its key's topic");
        }
        assertArrayEquals(payload == null ? new byte[0] : payload, m.payload(), "the value is the payload");
        assertTrue(m.qos() >= 0 && m.qos() <= 2, "qos " + m.qos());
        assertTrue(m.publishedAtMillis() >= 0, "published_ms " + m.publishedAtMillis());
        assertTrue(m.expirySeconds() >= 0 && m.expirySeconds() <= 4_294_967_295L, "expiry " + m.expirySeconds());
        assertTrue(m.payloadFormat() >= -1 && m.payloadFormat() <= 1, "payload format " + m.payloadFormat());
        assertMqttString(m.publisherClientId(), "publisher");
        if (m.contentType() != null) {
            assertMqttString(m.contentType(), "content type");
        }
        if (m.responseTopic() != null) {
            assertMqttString(m.responseTopic(), "response topic");
        }
        if (m.correlationData() != null) {
            assertTrue(m.correlationData().length <= 65_535, "correlation data fits an MQTT binary field");
        }
        for (UserProperty p : m.userProperties()) {
            assertMqttString(p.name(), "user property name");
            assertMqttString(p.value(), "user property value");
        }
        String[] fields = {m.topic(), m.publisherClientId(), m.contentType(), m.responseTopic()};
        for (int i = 0; i < TEXT_HEADERS.length; i++) {
            byte[] header = last.get(TEXT_HEADERS[i]);
            if (header != null && fields[i] != null) {
                assertArrayEquals(header, fields[i].getBytes(UTF_8), TEXT_HEADERS[i]
                        + " is its header's bytes exactly (malformed UTF-8 is refused, not replaced)");
            }
        }
    }

    private static void assertSameMessage(Message m, Message back) {
        assertEquals(m.topic(), back.topic());
        assertArrayEquals(m.payload(), back.payload());
        assertEquals(m.qos(), back.qos());
        assertEquals(m.retain(), back.retain());
        assertEquals(m.publisherClientId(), back.publisherClientId());
        assertEquals(m.publishedAtMillis(), back.publishedAtMillis());
        assertEquals(m.expirySeconds(), back.expirySeconds());
        assertEquals(m.payloadFormat(), back.payloadFormat());
        assertEquals(m.contentType(), back.contentType());
        assertEquals(m.responseTopic(), back.responseTopic());
        assertArrayEquals(m.correlationData(), back.correlationData());
        assertEquals(m.userProperties(), back.userProperties());
    }

    /** The rule Sluice's MQTT front end applies to a PUBLISH topic, and what an MQTT string can hold. */
    private static boolean isTopicName(String t) {
        return !t.isEmpty() && t.indexOf('+') < 0 && t.indexOf('#') < 0 && t.indexOf('\u0000') < 0
                && utf8Length(t) <= 65_535;
    }

    private static void assertMqttString(String s, String what) {
        assertTrue(utf8Length(s) <= 65_535, what + " fits an MQTT string: " + utf8Length(s) + " bytes");
    }

    private static int utf8Length(String s) {
        return s.getBytes(UTF_8).length;
    }

    private static String name(FuzzInput in) {
        int pick = in.u8() % (NAMES.length + 1);
        return pick < NAMES.length ? NAMES[pick] : new String(in.bytes(in.u8()), UTF_8);
    }

    /** Null, a length byte and the bytes, or a unit repeated and a tail of a length byte and the bytes. */
    private static byte[] value(FuzzInput in) {
        return switch (in.u8() % 3) {
            case 0 -> null;
            case 1 -> in.bytes(in.u8());
            default -> text(in);
        };
    }

    /** A unit (up to 8 bytes) repeated as {@link FuzzInput} counts, up to the bound, then a length byte's bytes. */
    private static byte[] text(FuzzInput in) {
        byte[] unit = in.bytes(in.u8() % 9);
        int count = in.u8();
        long repeat = count < 224 ? count : 1L << (count - 216);
        int n = unit.length == 0 ? 0 : (int) Math.min(repeat, MAX_TEXT_BYTES / unit.length);
        byte[] tail = in.bytes(in.u8());
        byte[] out = new byte[unit.length * n + tail.length];
        for (int k = 0; k < n; k++) {
            System.arraycopy(unit, 0, out, k * unit.length, unit.length);
        }
        System.arraycopy(tail, 0, out, unit.length * n, tail.length);
        return out;
    }

    private static long allocated() {
        return THREADS == null ? 0 : THREADS.getCurrentThreadAllocatedBytes();
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "... (" + s.length() + " chars)";
    }
}
