package io.sluice.sinks.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sinks.Decoded;
import io.sluice.sinks.MappingRule;
import io.sluice.sinks.PayloadFormat;
import io.sluice.sinks.TimePrecision;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The JSON fast path against the general path: the same line wherever the fast path answers. */
class JsonLineTest {
    private static final String SERIES = "climate,device=d1";
    private static final long RECEIVED = 1_700_000_000_123_456_789L;

    private static String fast(String json, String tsField) {
        return JsonLine.render(json.getBytes(StandardCharsets.UTF_8), SERIES, "_", tsField, TimePrecision.MS::toNanos,
                RECEIVED);
    }

    private static Decoded general(String json, String tsField) {
        MappingRule rule = new MappingRule("s/{device}", "climate", PayloadFormat.JSON, null, tsField,
                TimePrecision.MS, "_", Map.of());
        return ReadingDecoder.jsonGeneral(rule, "climate", SERIES, json, RECEIVED);
    }

    @Test
    void commonShapes_renderAsTheGeneralPathDoes() {
        assertEquals("climate,device=d1 temp=21.5,hum=40,ok=true,site=\"hall A\",gps_lat=1.25 1767225600000000000",
                fast("{\"ts\":1767225600000, \"temp\":21.5,\"hum\":40,\"ok\":true,\"site\":\"hall A\","
                        + "\"gps\":{\"lat\":1.25},\"none\":null}", "ts"));
        assertEquals("climate,device=d1 a\\ b\\,c\\=d=-0.5 " + RECEIVED, fast(" {\"a b,c=d\": -0.5} ", null),
                "field keys escaped as line protocol asks");
        assertEquals("climate,device=d\u00e9\u6e29 v=1 " + RECEIVED,
                JsonLine.render("{\"v\":1}".getBytes(StandardCharsets.UTF_8), "climate,device=d\u00e9\u6e29", "_",
                        null, TimePrecision.MS::toNanos, RECEIVED), "a series beyond ASCII");
        assertEquals(SERIES + " v=1 -5000000", fast("{\"ts\":-5,\"v\":1}", "ts"), "a time before 1970");
        assertEquals(SERIES + " a.b=1 " + RECEIVED,
                JsonLine.render("{\"a\":{\"b\":1}}".getBytes(StandardCharsets.UTF_8), SERIES, ".", null,
                        TimePrecision.MS::toNanos, RECEIVED), "nested keys joined by the rule's separator");
    }

    @Test
    void manyFields_andARepeatedKeyFarIn() {
        StringBuilder json = new StringBuilder("{");
        StringBuilder fields = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            json.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":").append(i);
            fields.append(i == 0 ? "" : ",").append('f').append(i).append('=').append(i);
        }
        assertEquals(SERIES + " " + fields + " " + RECEIVED, fast(json + "}", null));
        assertNull(fast(json + ",\"f33\":1}", null), "a key repeated after 33 others");
        assertNull(fast(json.toString().replace("{", "{\"x\":{") + "}," + json.substring(1) + "}", null),
                "more fields than the fast path takes: 80 > 64");
    }

    @Test
    void unusualPayloads_goTheGeneralWay() {
        for (String json : List.of("{\"t\": 1", "[1,2]", "{}", "{\"a\":[1]}", "{\"a\":1e5}", "{\"a\":\"x\\\"y\"}",
                "{\"a\\u0041\":1}", "{\"a\":1,\"a\":2}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":tru}", "{\"a\":1} x",
                "{\"a\":\"caf\u00e9\"}")) {
            assertNull(fast(json, null), json);
        }
        assertNull(fast("{\"v\":1}", "ts"), "timestamp field missing");
        assertNull(fast("{\"ts\":1.5,\"v\":1}", "ts"), "fractional timestamp");
        assertNull(fast("{\"ts\":null,\"v\":1}", "ts"), "null timestamp");
        assertNull(fast("{\"ts\":99999999999999999999,\"v\":1}", "ts"), "timestamp beyond a long");
        assertNull(fast("{\"ts\":9223372036854775,\"v\":1}", "ts"), "overflows in nanoseconds");
    }

    /** Random payloads of the common shape and near it: wherever the fast path answers, the general path agrees. */
    @Test
    void randomPayloads_fastAndGeneralAgree() {
        Random rnd = new Random(42);
        int answered = 0;
        for (int i = 0; i < 20_000; i++) {
            String tsField = rnd.nextBoolean() ? "ts" : null;
            String json = randomObject(rnd, 0, tsField != null && rnd.nextInt(10) > 0);
            String fast = fast(json, tsField);
            Decoded general = general(json, tsField);
            if (fast == null) {
                continue;
            }
            answered++;
            List<String> lines = assertInstanceOf(Decoded.Points.class, general, json).points().stream()
                    .map(p -> p.line()).toList();
            assertEquals(1, lines.size());
            assertSameLine(lines.get(0), fast, json);
        }
        assertTrue(answered > 10_000, "the fast path takes the common shape: " + answered);
    }

    private static void assertSameLine(String expected, String actual, String json) {
        String[] e = split(expected);
        String[] a = split(actual);
        assertEquals(e[0], a[0], json);
        assertEquals(e[2], a[2], "timestamp of " + json);
        String[] ef = e[1].split(",");
        String[] af = a[1].split(",");
        assertEquals(ef.length, af.length, json);
        for (int i = 0; i < ef.length; i++) {
            String[] ekv = ef[i].split("=", 2);
            String[] akv = af[i].split("=", 2);
            assertEquals(ekv[0], akv[0], json);
            if (ekv[1].startsWith("\"") || ekv[1].equals("true") || ekv[1].equals("false")) {
                assertEquals(ekv[1], akv[1], json);
            } else {
                assertEquals(Double.parseDouble(ekv[1]), Double.parseDouble(akv[1]), json); // 21 and 21.0 alike
            }
        }
    }

    /** series, fields, timestamp (the generated keys and strings hold no spaces or commas). */
    private static String[] split(String line) {
        int first = line.indexOf(' ');
        int last = line.lastIndexOf(' ');
        return new String[] {line.substring(0, first), line.substring(first + 1, last), line.substring(last + 1)};
    }

    private static String randomObject(Random rnd, int depth, boolean withTs) {
        List<String> members = new ArrayList<>();
        if (withTs) {
            members.add("\"ts\":" + (1_700_000_000_000L + rnd.nextInt(1_000_000)));
        }
        int n = rnd.nextInt(5) + (depth == 0 ? 1 : 0);
        for (int i = 0; i < n; i++) {
            String key = "k" + depth + i;
            String value = switch (rnd.nextInt(depth < 2 ? 8 : 7)) {
                case 0 -> Long.toString(rnd.nextLong() % 1_000_000);
                case 1 -> Double.toString(rnd.nextDouble() * 1000 - 500);
                case 2 -> rnd.nextBoolean() ? "true" : "false";
                case 3 -> "\"v" + rnd.nextInt(100) + "\"";
                case 4 -> "null";
                case 5 -> rnd.nextInt(50) == 0 ? "[1,2]" : "0";
                case 6 -> rnd.nextInt(50) == 0 ? "1e3" : "-0.25";
                default -> randomObject(rnd, depth + 1, false);
            };
            members.add("\"" + key + "\"" + (rnd.nextBoolean() ? " : " : ":") + value);
        }
        java.util.Collections.shuffle(members, rnd);
        return "{" + String.join(rnd.nextBoolean() ? "," : ", ", members) + "}";
    }

    @Test
    void decoder_usesTheFastPath_forCommonPayloads() {
        MappingRule rule = new MappingRule("sensors/{device}/#", "climate", PayloadFormat.JSON, null, "ts",
                TimePrecision.MS, null, Map.of());
        Decoded d = new ReadingDecoder(List.of(rule)).decode(new io.sluice.sinks.Reading("sensors/d1/x", "d1",
                "{\"ts\":1767225600000,\"temp\":15}".getBytes(StandardCharsets.UTF_8), RECEIVED, Map.of()));
        String line = assertInstanceOf(Decoded.Points.class, d).points().get(0).line();
        assertNotNull(line);
        assertEquals("climate,device=d1 temp=15 1767225600000000000", line, "numbers are copied as written");
    }
}
