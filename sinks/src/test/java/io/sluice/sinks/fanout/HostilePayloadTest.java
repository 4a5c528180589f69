package io.sluice.sinks.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sinks.Decoded;
import io.sluice.sinks.MappingRule;
import io.sluice.sinks.PayloadFormat;
import io.sluice.sinks.Reading;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Payloads built to hurt a parser: each ends as a failure with a reason, never as an error thrown to the caller. */
class HostilePayloadTest {
    private static final long RECEIVED = 1_700_000_000_000_000_000L;
    private static final ReadingDecoder JSON = new ReadingDecoder(List.of(MappingRule.json("s/{measurement}")));

    private static Decoded decode(ReadingDecoder d, String payload) {
        return d.decode(new Reading("s/m", "dev", payload.getBytes(StandardCharsets.UTF_8), RECEIVED, Map.of()));
    }

    private static Decoded.Failed failed(Decoded d) {
        return assertInstanceOf(Decoded.Failed.class, d);
    }

    @Test
    void hundredThousandOpeningBrackets_failAsTooDeep_insteadOfOverflowingTheStack() {
        Decoded.Failed f = failed(decode(JSON, "[".repeat(100_000)));
        assertEquals("too_deep", f.reason());
        assertTrue(f.message().contains(Integer.toString(Json.MAX_DEPTH)), f.message());
    }

    @Test
    void hundredThousandNestedObjects_failAsTooDeep_onTheFastPathToo() {
        assertEquals("too_deep", failed(decode(JSON, "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000)))
                .reason());
        assertEquals("too_deep", failed(decode(JSON, "{\"a\":[".repeat(50_000))).reason());
    }

    @Test
    void nestingAtTheLimit_decodes_oneLevelMore_doesNot() {
        int objects = Json.MAX_DEPTH; // the root object counts as one level
        String atLimit = "{\"a\":".repeat(objects) + "1" + "}".repeat(objects);
        Decoded.Points p = assertInstanceOf(Decoded.Points.class, decode(JSON, atLimit));
        assertTrue(p.points().get(0).line().contains("=1"), p.points().get(0).line());
        String over = "{\"a\":".repeat(objects + 1) + "1" + "}".repeat(objects + 1);
        assertEquals("too_deep", failed(decode(JSON, over)).reason());
        assertEquals("too_deep", failed(ReadingDecoder.jsonGeneral(MappingRule.json("s/{measurement}"), "m", "m",
                over, RECEIVED)).reason(), "the general path bounds depth by itself");
    }

    @Test
    void overlongNumber_failsAsTooLong_onBothPaths() {
        String digits = "1".repeat(Json.MAX_NUMBER_LENGTH + 1);
        assertEquals("too_long", failed(decode(JSON, "{\"v\": " + digits + "}")).reason());
        assertEquals("too_long", failed(decode(JSON, "{\"v\": 1e" + digits + "}")).reason());
        Decoded ok = decode(JSON, "{\"v\": " + "1".repeat(Json.MAX_NUMBER_LENGTH) + "}");
        assertInstanceOf(Decoded.Points.class, ok);
    }

    @Test
    void longKeyRepeatedInEveryFlattenedField_failsAsTooLong_insteadOfGrowingQuadratically() {
        StringBuilder b = new StringBuilder("{\"").append("k".repeat(200_000)).append("\":{");
        for (int i = 0; i < 20_000; i++) {
            b.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":1");
        }
        b.append("}}");
        Decoded.Failed f = failed(decode(JSON, b.toString()));
        assertEquals("too_long", f.reason());
    }

    @Test
    void numberRule_overlongNumber_failsWithReason() {
        ReadingDecoder numbers = new ReadingDecoder(List.of(new MappingRule("n/{measurement}", null,
                PayloadFormat.NUMBER, "v", null, null, null, null)));
        Decoded d = numbers.decode(new Reading("n/m", "dev", "9".repeat(200_000).getBytes(StandardCharsets.UTF_8),
                RECEIVED, Map.of()));
        assertEquals("too_long", failed(d).reason());
    }

    @Test
    void lineProtocol_hostileLines_failWithReason() {
        ReadingDecoder lines = new ReadingDecoder(List.of(new MappingRule("l/#", "lp", PayloadFormat.LINE_PROTOCOL,
                null, null, null, null, null)));
        Decoded d = lines.decode(new Reading("l/x", "dev", ("m v=1 " + "9".repeat(100_000))
                .getBytes(StandardCharsets.UTF_8), RECEIVED, Map.of()));
        assertEquals("bad_timestamp", failed(d).reason());
        Decoded quotes = lines.decode(new Reading("l/x", "dev", ("m v=\"" + "\\".repeat(100_001))
                .getBytes(StandardCharsets.UTF_8), RECEIVED, Map.of()));
        assertEquals("malformed_line", failed(quotes).reason());
    }
}
