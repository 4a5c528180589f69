package io.sluice.sinks.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sinks.Decoded;
import io.sluice.sinks.MappingRule;
import io.sluice.sinks.PayloadFormat;
import io.sluice.sinks.ReadingHeader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The byte path for ASCII topics ({@link TopicSeries}) against the string path it replaces per record. */
class TopicSeriesTest {
    private static final long RECEIVED = 1_700_000_000_123_456_789L;
    private static final byte[] JSON = "{\"temp\":21.5,\"ok\":true}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NUMBER = "42.5".getBytes(StandardCharsets.UTF_8);

    private static String series(MappingRule rule, String topic) {
        TopicSeries s = new TopicSeries(rule);
        byte[] t = topic.getBytes(StandardCharsets.US_ASCII);
        int[] bounds = new int[s.boundsNeeded()];
        assertTrue(s.match(t, bounds), topic);
        TopicSeries.Bytes out = new TopicSeries.Bytes();
        s.writeSeries(t, bounds, out);
        return new String(out.b, 0, out.len, StandardCharsets.US_ASCII);
    }

    @Test
    void series_isTheEscapedMeasurementThenTheTagsInKeyOrder() {
        MappingRule rule = new MappingRule("s/{zone}/{device}/{measurement}", null, PayloadFormat.JSON, null, null,
                null, null, Map.of("site", "hall A", "empty", "", "zone", "fixed"));
        assertEquals("te\\ mp\\,x,device=d\\=1,site=hall\\ A,zone=z\\\\9", series(rule, "s/z\\9/d=1/te mp,x"));
        assertEquals("cpu,host=h\\,1", series(new MappingRule("m/{host}", "cpu", PayloadFormat.NUMBER, null, null,
                null, null, null), "m/h,1"));
    }

    @Test
    void match_followsTheFilter_levelForLevel() {
        int[] bounds = new int[8];
        TopicSeries s = new TopicSeries(MappingRule.json("a/{measurement}/+/#"));
        assertTrue(s.match(bytes("a/m/x/y/z"), bounds));
        assertTrue(s.match(bytes("a/m/x"), bounds), "# matches its parent level too");
        assertFalse(s.match(bytes("a/m"), bounds), "fewer levels");
        assertFalse(s.match(bytes("a//x"), bounds), "an empty named level");
        assertFalse(s.match(bytes("ab/m/x"), bounds), "a longer literal");
        assertFalse(new TopicSeries(MappingRule.json("a/{measurement}")).match(bytes("a/m/x"), bounds),
                "more levels");
    }

    /**
     * Random filters, rules and ASCII topics (escapes, empty levels, names given twice, tags the topic overrides):
     * the byte path and the cached string path decode every reading alike.
     */
    @Test
    void bytePath_decodesEveryAsciiTopic_asTheStringPathDoes() {
        Random random = new Random(20261206L);
        int matched = 0;
        String[] levels = {"a", "b", "x y", "k=v", "c,d", "e\\f", "", "n\nl"};
        for (int round = 0; round < 300; round++) {
            List<MappingRule> rules = new ArrayList<>();
            int ruleCount = 1 + random.nextInt(3);
            for (int r = 0; r < ruleCount; r++) {
                rules.add(randomRule(random, levels));
            }
            ReadingDecoder decoder = new ReadingDecoder(rules);
            for (int t = 0; t < 40; t++) {
                StringBuilder topic = new StringBuilder();
                int depth = 1 + random.nextInt(4);
                for (int i = 0; i < depth; i++) {
                    topic.append(i == 0 ? "" : "/").append(levels[random.nextInt(levels.length)]);
                }
                byte[] bytes = bytes(topic.toString());
                for (byte[] payload : new byte[][] {JSON, NUMBER}) {
                    Decoded viaBytes = decoder.decode(bytes, payload, RECEIVED);
                    Decoded viaString = decoder.decodeCached(bytes, payload, RECEIVED);
                    assertEquals(describe(viaString), describe(viaBytes), rules + " on '" + topic + "'");
                    // the fan-out reads the topic where the compact header holds it, at its end
                    Decoded inHeader = decoder.decode(header(topic.toString()), headerTopicStart(topic.toString()),
                            payload, RECEIVED);
                    assertEquals(describe(viaString), describe(inHeader), rules + " on '" + topic + "' in a header");
                    matched += viaBytes instanceof Decoded.Points ? 1 : 0;
                }
            }
        }
        assertTrue(matched > 1_000, "too few random topics matched a rule to compare: " + matched);
    }

    private static MappingRule randomRule(Random random, String[] levels) {
        String[] kinds = {"a", "b", "x y", "+", "{device}", "{zone}", "{measurement}", "{device}"};
        int depth = 1 + random.nextInt(4);
        StringBuilder filter = new StringBuilder();
        boolean named = false;
        for (int i = 0; i < depth; i++) {
            String k = kinds[random.nextInt(kinds.length)];
            named |= k.equals("{measurement}");
            filter.append(i == 0 ? "" : "/").append(k);
        }
        if (random.nextInt(4) == 0) {
            filter.append("/#");
        }
        Map<String, String> tags = new HashMap<>();
        if (random.nextBoolean()) {
            tags.put("zone", levels[random.nextInt(levels.length)]);
            tags.put("s i=te", "h,1");
        }
        PayloadFormat format = random.nextBoolean() ? PayloadFormat.JSON : PayloadFormat.NUMBER;
        return new MappingRule(filter.toString(), named ? null : "m e,as", format, null, null, null, null, tags);
    }

    private static String describe(Decoded d) {
        return switch (d) {
            case Decoded.Points p -> p.points().stream().map(x -> x.measurement() + " | " + x.line()).toList()
                    .toString();
            case Decoded.Failed f -> "failed " + f.reason();
            case Decoded.Unmatched u -> "unmatched";
        };
    }

    @Test
    void lineProtocolRules_andTopicsBeyondAscii_stillDecode() {
        MappingRule line = new MappingRule("lp/{site}", "unused", PayloadFormat.LINE_PROTOCOL, null, null, null, null,
                null);
        ReadingDecoder decoder = new ReadingDecoder(List.of(line, MappingRule.json("s/{device}/{measurement}")));
        Decoded lp = decoder.decode(bytes("lp/s1"), "cpu v=1 5".getBytes(StandardCharsets.UTF_8), RECEIVED);
        assertEquals("cpu,site=s1 v=1 5", assertInstanceOf(Decoded.Points.class, lp).points().get(0).line());
        Decoded utf8 = decoder.decode("s/gerät/temp".getBytes(StandardCharsets.UTF_8), JSON, RECEIVED);
        assertEquals("temp,device=gerät temp=21.5,ok=true " + RECEIVED,
                assertInstanceOf(Decoded.Points.class, utf8).points().get(0).line());
        assertInstanceOf(Decoded.Unmatched.class, decoder.decode(bytes("other"), JSON, RECEIVED));
        // the same three with the topic at the end of a compact header
        Decoded lpInHeader = decoder.decode(header("lp/s1"), headerTopicStart("lp/s1"),
                "cpu v=1 5".getBytes(StandardCharsets.UTF_8), RECEIVED);
        assertEquals("cpu,site=s1 v=1 5", assertInstanceOf(Decoded.Points.class, lpInHeader).points().get(0).line());
        Decoded utf8InHeader = decoder.decode(header("s/gerät/temp"), headerTopicStart("s/gerät/temp"), JSON,
                RECEIVED);
        assertEquals("temp,device=gerät temp=21.5,ok=true " + RECEIVED,
                assertInstanceOf(Decoded.Points.class, utf8InHeader).points().get(0).line());
        assertInstanceOf(Decoded.Unmatched.class, decoder.decode(header("other"), headerTopicStart("other"), JSON,
                RECEIVED));
    }

    private static byte[] header(String topic) {
        return ReadingHeader.encode(RECEIVED, "mqtt", "5", 1, bytes("node-1"), topic);
    }

    private static int headerTopicStart(String topic) {
        int at = ReadingHeader.topicStart(header(topic));
        assertTrue(at > 0, topic);
        return at;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
