package io.sluice.sinks.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sluice.sinks.Decoded;
import io.sluice.sinks.MappingRule;
import io.sluice.sinks.PayloadFormat;
import io.sluice.sinks.Reading;
import io.sluice.sinks.TimePrecision;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReadingDecoderTest {
    private static final long RECEIVED = 1_700_000_000_123_456_789L;

    private static Reading reading(String topic, String payload) {
        return new Reading(topic, "dev-1", payload.getBytes(StandardCharsets.UTF_8), RECEIVED, Map.of());
    }

    private static List<String> lines(Decoded d) {
        return assertInstanceOf(Decoded.Points.class, d).points().stream().map(p -> p.line()).toList();
    }

    private static Decoded.Failed failed(Decoded d) {
        return assertInstanceOf(Decoded.Failed.class, d);
    }

    @Test
    void json_namedSegments_becomeMeasurementAndTags_nestedObjectsFlattened() {
        ReadingDecoder decoder = new ReadingDecoder(List.of(MappingRule.json("sensors/{device}/{measurement}")));
        Decoded d = decoder.decode(reading("sensors/d 1/climate",
                "{\"temp\": 21, \"ok\": true, \"site\": \"hall \\\"A\\\"\", \"gps\": {\"lat\": 1.5, \"lon\": -2e1},"
                        + " \"list\": [1], \"none\": null}"));
        assertEquals(List.of("climate,device=d\\ 1 temp=21.0,ok=true,site=\"hall \\\"A\\\"\",gps_lat=1.5,"
                + "gps_lon=-20.0 " + RECEIVED), lines(d));
    }

    /** Found by ReadingDecoderFuzzTest: a line break in a JSON name became an unescaped space, ending the field set. */
    @Test
    void lineBreakInAFieldName_becomesAnEscapedSpace_onBothJsonPaths() {
        ReadingDecoder decoder = new ReadingDecoder(List.of(MappingRule.json("s/{measurement}")));
        assertEquals(List.of("m k\\ x=1.0 " + RECEIVED), lines(decoder.decode(reading("s/m", "{\"k\\nx\": 1}"))));
        assertEquals(List.of("m k\\ \\ \u00e1=1.0E-7 " + RECEIVED),
                lines(decoder.decode(reading("s/m", "{\"k\\n \\u00e1\": 1e-7}"))));
    }

    /** Found by ReadingDecoderFuzzTest: a measurement "#m" made a line the TSDB reads as a comment and drops. */
    @Test
    void measurementFromTheTopic_startingWithHash_isDeadLettered_notWrittenAsAComment() {
        ReadingDecoder decoder = new ReadingDecoder(List.of(MappingRule.json("s/{measurement}")));
        assertEquals("invalid_measurement", failed(decoder.decode(reading("s/#m", "{\"t\": 1}"))).reason());
        assertEquals("invalid_measurement", failed(decoder.decode(reading("s/#\u00e9", "{\"t\": 1}"))).reason());
        assertEquals(List.of("m#\\,x t=1 " + RECEIVED), lines(decoder.decode(reading("s/m#,x", "{\"t\": 1}"))));
    }

    @Test
    void json_timestampFromField_inRulePrecision_andDotSeparator() {
        MappingRule rule = new MappingRule("plant/+/{line}", "machines", PayloadFormat.JSON, null, "ts",
                TimePrecision.MS, ".", Map.of("site", "berlin"));
        Decoded d = new ReadingDecoder(List.of(rule)).decode(reading("plant/x/l7",
                "{\"ts\": 1700000000123, \"motor\": {\"rpm\": 900.5}}"));
        assertEquals(List.of("machines,line=l7,site=berlin motor.rpm=900.5 1700000000123000000"), lines(d));
    }

    @Test
    void json_malformedOrShapeless_failsWithReason() {
        ReadingDecoder decoder = new ReadingDecoder(List.of(MappingRule.json("s/{measurement}")));
        assertEquals("malformed_json", failed(decoder.decode(reading("s/m", "{\"t\": 1"))).reason());
        assertEquals("malformed_json", failed(decoder.decode(reading("s/m", "[1,2]"))).reason());
        assertEquals("no_fields", failed(decoder.decode(reading("s/m", "{}"))).reason());
        // found by ReadingDecoderFuzzTest: an empty name made the field " =0", which no TSDB takes
        assertEquals("malformed_json", failed(decoder.decode(reading("s/m", "{\"\": 0}"))).reason());
        assertEquals("malformed_json", failed(decoder.decode(reading("s/m", "{\"a\": 1, \"\": 0}"))).reason());
        assertEquals("malformed_utf8", failed(decoder.decode(new Reading("s/m", "c",
                new byte[] {(byte) 0xff, '{'}, RECEIVED, Map.of()))).reason());
        MappingRule ts = new MappingRule("t/{measurement}", null, PayloadFormat.JSON, null, "ts", null, null, null);
        assertEquals("bad_timestamp", failed(new ReadingDecoder(List.of(ts)).decode(reading("t/m",
                "{\"ts\": \"yesterday\", \"v\": 1}"))).reason());
    }

    @Test
    void lineProtocol_passedThrough_withRuleTagsAdded_andTimestampsInNanos() {
        MappingRule rule = new MappingRule("lp/{device}", "unused", PayloadFormat.LINE_PROTOCOL, null, null,
                TimePrecision.S, null, null);
        Decoded d = new ReadingDecoder(List.of(rule)).decode(reading("lp/d9",
                "cpu,host=a usage=1.5,msg=\"a b\" 1700000000\n\n# comment\nmem free=3i"));
        assertEquals(List.of("cpu,host=a,device=d9 usage=1.5,msg=\"a b\" 1700000000000000000",
                "mem,device=d9 free=3i " + RECEIVED), lines(d));
        assertEquals("cpu", assertInstanceOf(Decoded.Points.class, d).points().get(0).measurement());
        assertEquals("malformed_line", failed(new ReadingDecoder(List.of(rule)).decode(reading("lp/d9", "cpu")))
                .reason());
        assertEquals("bad_timestamp", failed(new ReadingDecoder(List.of(rule)).decode(reading("lp/d9",
                "cpu v=1 soon"))).reason());
    }

    @Test
    void lineProtocol_lineTheTsdbWouldRefuseForItsSyntax_failsAsMalformedLine_validValueKindsPass() {
        MappingRule rule = new MappingRule("lp/{device}", "unused", PayloadFormat.LINE_PROTOCOL, null, null,
                TimePrecision.NS, null, null);
        ReadingDecoder decoder = new ReadingDecoder(List.of(rule));
        // found by ReadingDecoderFuzzTest: a field set without '=' was passed through as a point
        for (String bad : List.of("cpu 12x", "cpu v=", "cpu =1", "cpu v=1,", "cpu v=1x", "cpu v=1.2.3", "cpu v=1e",
                "cpu v=\"open", "cpu v=12i3", "cpu v=-3u", "cpu v=99999999999999999999i", "cpu,host v=1",
                "cpu,=a v=1", "cpu,host= v=1", "cpu v=tru", "cpu v=1e999")) {
            Decoded d = decoder.decode(reading("lp/d9", bad));
            assertEquals("malformed_line", failed(d).reason(), bad);
        }
        assertEquals(List.of("cpu,host=a\\ b,device=d9 f=-1.5e3,i=-3i,u=3u,t=t,F=FALSE,s=\"x, y=\\\"z\\\"\",g=.5 7"),
                lines(decoder.decode(reading("lp/d9",
                        "cpu,host=a\\ b f=-1.5e3,i=-3i,u=3u,t=t,F=FALSE,s=\"x, y=\\\"z\\\"\",g=.5 7"))));
    }

    @Test
    void bareNumber_becomesOneFloatField_atReceiveTime() {
        MappingRule rule = new MappingRule("n/{device}/{measurement}", null, PayloadFormat.NUMBER, "reading", null,
                null, null, null);
        ReadingDecoder decoder = new ReadingDecoder(List.of(rule));
        assertEquals(List.of("temp,device=a reading=42.0 " + RECEIVED), lines(decoder.decode(reading("n/a/temp",
                " 42\n"))));
        assertEquals("malformed_number", failed(decoder.decode(reading("n/a/temp", "4x2"))).reason());
        assertEquals("malformed_number", failed(decoder.decode(reading("n/a/temp", "NaN"))).reason());
    }

    @Test
    void firstMatchingRuleWins_andUnmatchedTopicsSaySo() {
        ReadingDecoder decoder = new ReadingDecoder(List.of(
                new MappingRule("a/#", "first", PayloadFormat.NUMBER, null, null, null, null, null),
                new MappingRule("a/b", "second", PayloadFormat.NUMBER, null, null, null, null, null)));
        assertEquals(List.of("first value=1.0 " + RECEIVED), lines(decoder.decode(reading("a/b", "1"))));
        assertInstanceOf(Decoded.Unmatched.class, decoder.decode(reading("b/a", "1")));
        assertInstanceOf(Decoded.Unmatched.class,
                new ReadingDecoder(List.of(MappingRule.json("s/{measurement}"))).decode(reading("s/m/extra", "1")));
    }

    @Test
    void rule_withoutMeasurement_orWithBadSegments_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> MappingRule.json("sensors/{device}"));
        assertThrows(IllegalArgumentException.class, () -> MappingRule.json("a/#/{measurement}"));
        assertThrows(IllegalArgumentException.class, () -> MappingRule.json("a/x{measurement}"));
    }

    @Test
    void receiveTimeIsUsed_unlessEveryRuleIsJsonWithATimestampField() {
        MappingRule jsonTs = new MappingRule("a/#", "m", PayloadFormat.JSON, null, "ts", TimePrecision.MS, null,
                Map.of());
        MappingRule jsonNoTs = new MappingRule("b/#", "m", PayloadFormat.JSON, null, null, TimePrecision.MS, null,
                Map.of());
        MappingRule number = new MappingRule("c/#", "m", PayloadFormat.NUMBER, "value", null, TimePrecision.MS, null,
                Map.of());
        assertEquals(false, new ReadingDecoder(List.of(jsonTs)).usesReceiveTime());
        assertEquals(true, new ReadingDecoder(List.of(jsonTs, jsonNoTs)).usesReceiveTime());
        assertEquals(true, new ReadingDecoder(List.of(jsonTs, number)).usesReceiveTime());
        // with no use for it, the receive time given makes no difference to the point
        ReadingDecoder decoder = new ReadingDecoder(List.of(jsonTs));
        byte[] payload = "{\"ts\":1700000000000,\"v\":1}".getBytes(StandardCharsets.UTF_8);
        assertEquals(lines(decoder.decode("a/x".getBytes(StandardCharsets.UTF_8), payload, 1)),
                lines(decoder.decode("a/x".getBytes(StandardCharsets.UTF_8), payload, RECEIVED)));
    }
}
