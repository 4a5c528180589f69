package io.sluice.sinks.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sluice.sinks.Decoded;
import io.sluice.sinks.MappingRule;
import io.sluice.sinks.PayloadFormat;
import io.sluice.sinks.Point;
import io.sluice.sinks.TimePrecision;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Fuzz target of the fan-out's decoding of one record ({@link ReadingDecoder} over its JSON, number and line-protocol
 * rules): whatever the payload and topic, decode returns a value, never an exception or error of any kind (a payload
 * that cannot become a point is a {@link Decoded.Failed} with a reason code), and every point it returns is one
 * well-formed line of line protocol ({@link LineProtocolGrammar}) whose time is the one the rule gives.
 *
 * <p>Input: byte 0 picks the topic from a fixed list (modulo its length plus one); the value past the list takes the
 * topic's bytes from the input (a length byte, then the bytes, not necessarily UTF-8); the payload follows in
 * {@link FuzzInput}'s repeated-unit form, so deep nesting and long runs of one character are reachable from short
 * inputs. In a normal test run it replays {@code ReadingDecoderFuzzTestInputs/}; with {@code JAZZER_FUZZ=1} it fuzzes
 * (docs/FUZZING.md).
 */
class ReadingDecoderFuzzTest {
    /** The largest payload tried: the MQTT front end's default maximum packet size. */
    private static final int MAX_PAYLOAD_BYTES = 262_144;
    private static final long RECEIVED_NS = 1_700_000_000_123_456_789L;
    private static final List<MappingRule> RULES = List.of(
            new MappingRule("sensors/{device}/{measurement}", null, PayloadFormat.JSON, null, null, null, null,
                    Map.of("site", "lab 1")),
            new MappingRule("timed/{device}", "timed", PayloadFormat.JSON, null, "ts", TimePrecision.MS, ".",
                    null),
            new MappingRule("num/{device}/{measurement}", null, PayloadFormat.NUMBER, "value", null, null, null,
                    null),
            new MappingRule("lp/{site}/#", "unused", PayloadFormat.LINE_PROTOCOL, null, null, TimePrecision.US, null,
                    Map.of("via", "lp")),
            new MappingRule("#", "readings", PayloadFormat.JSON, null, null, null, null, null));
    private static final ReadingDecoder DECODER = new ReadingDecoder(RULES);
    private static final String[] TOPICS = {
        "sensors/dev-1/temp", "sensors/dev 2,x=y/hum\\", "sensors/dév/température", "timed/dev-3", "num/dev-4/v",
        "num/dév/v", "lp/site-a/x", "lp/sité/x", "other/topic", "sensors/dev-1", "#hash", "sensors/d/#m"};

    @FuzzTest(maxDuration = "20s")
    void anyRecord_decodesToAValue_andEveryPointIsOneWellFormedLine(byte[] input) {
        FuzzInput in = new FuzzInput(input);
        int pick = in.u8() % (TOPICS.length + 1);
        byte[] topicBytes = pick < TOPICS.length ? TOPICS[pick].getBytes(StandardCharsets.UTF_8) : in.bytes(in.u8());
        String topic = new String(topicBytes, StandardCharsets.UTF_8);
        byte[] payload = in.repeatedThenTail(MAX_PAYLOAD_BYTES);

        Decoded d = DECODER.decode(topicBytes, payload, RECEIVED_NS);
        assertEquals(d, DECODER.decode(topicBytes, payload, RECEIVED_NS), "decoding is deterministic");
        switch (d) {
            case Decoded.Failed f -> {
                assertTrue(f.reason() != null && f.reason().matches("[a-z0-9_]+"), "a reason code: " + f.reason());
            }
            case Decoded.Points p -> {
                assertFalse(p.points().isEmpty(), "points, or a failure");
                for (Point point : p.points()) {
                    checkPoint(topic, point);
                }
            }
            case Decoded.Unmatched u -> {
            }
        }
    }

    private static void checkPoint(String topic, Point point) {
        String line = point.line();
        assertNull(LineProtocolGrammar.check(line), () -> "not one well-formed line (" + LineProtocolGrammar.check(line)
                + "): " + abbreviate(line));
        assertEquals(Long.parseLong(line.substring(line.lastIndexOf(' ') + 1)), point.time(),
                "the point's time ends its line");
        if (!topic.startsWith("lp/") && !topic.startsWith("timed/")) {
            assertEquals(RECEIVED_NS, point.time(), "without a timestamp field the time is the receive time");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
