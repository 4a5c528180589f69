package io.sluice.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sinks.MappingRule;
import io.sluice.sinks.PayloadFormat;
import io.sluice.sinks.TimePrecision;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fanout section: mapping rules as a YAML list, with errors that name the rule, the key and the line. */
class FanoutConfigTest {

    @Test
    void defaults_fanOutOff_oneCatchAllJsonRule() {
        SluiceConfig.Fanout f = ConfigLoader.fromYaml("").fanout();
        assertFalse(f.enabled());
        assertEquals(2, f.workers());
        assertEquals("sluice.deadletter", f.deadLetterTopic());
        assertTrue(f.unmatchedToDeadLetter());
        assertEquals(1, f.rules().size());
        MappingRule r = f.rules().get(0);
        assertEquals("#", r.topicFilter());
        assertEquals("mqtt", r.measurement());
        assertEquals(PayloadFormat.JSON, r.format());
    }

    @Test
    void rulesList_isReadInOrder_withEveryKey() {
        SluiceConfig c = ConfigLoader.fromYaml("""
                fanout:
                  enabled: true
                  workers: 3
                  unmatched: skip
                  influx_bucket: plant
                  rules:
                    - topic: sensors/{device}/{measurement}
                      timestamp_field: ts
                      precision: ms
                      separator: "."
                      tags: {site: plant-1, line: "2"}
                    - topic: meters/+/power
                      measurement: power
                      format: number
                      field: watts
                """);
        SluiceConfig.Fanout f = c.fanout();
        assertTrue(f.enabled());
        assertEquals(3, f.workers());
        assertFalse(f.unmatchedToDeadLetter());
        assertEquals("plant", f.influxBucket());
        assertEquals(2, f.rules().size());
        MappingRule json = f.rules().get(0);
        assertEquals("sensors/{device}/{measurement}", json.topicFilter());
        assertNull(json.measurement());
        assertEquals("ts", json.timestampField());
        assertEquals(TimePrecision.MS, json.precision());
        assertEquals(".", json.separator());
        assertEquals(Map.of("site", "plant-1", "line", "2"), json.tags());
        MappingRule number = f.rules().get(1);
        assertEquals(PayloadFormat.NUMBER, number.format());
        assertEquals("power", number.measurement());
        assertEquals("watts", number.field());
    }

    @Test
    void badRules_areReported_withRuleIndexKeyAndLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                fanout:
                  rules:
                    - topic: a/{device}
                      format: xml
                    - topic: b/+
                      colour: red
                    - measurement: m
                """));
        String all = String.join("\n", e.problems());
        assertTrue(all.contains("<inline>:3: fanout.rules[0].format: value 'xml' is not one of json, line_protocol,"
                + " number"), all);
        assertTrue(all.contains("<inline>:6: fanout.rules[1]: unknown key 'colour'"), all);
        assertTrue(all.contains("<inline>:7: fanout.rules[2]: 'topic'"), all);
    }

    @Test
    void ruleThatCannotNameAMeasurement_isACrossFieldError_onItsLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                fanout:
                  rules:
                    - topic: sensors/{device}/temp
                      format: json
                """));
        assertEquals(1, e.problems().size(), e.getMessage());
        assertTrue(e.problems().get(0).startsWith("<inline>:3: fanout.rules[0]: rule for 'sensors/{device}/temp'"
                + " needs a measurement"), e.getMessage());
    }

    @Test
    void rulesMustBeAList_urlMustBeHttp_andTopicsDistinct() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                kafka:
                  readings_topic: same
                fanout:
                  influx_url: tsdb:8086
                  dead_letter_topic: same
                  retry_initial_ms: 500
                  retry_max_ms: 100
                  rules:
                    topic: x
                """));
        String all = String.join("\n", e.problems());
        assertTrue(all.contains("<inline>:9: fanout.rules: expected a list of rules"), all);
        // structural errors stop validation before cross-field rules; fix the list and the rest is reported
        ConfigException second = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                kafka:
                  readings_topic: same
                fanout:
                  influx_url: tsdb:8086
                  dead_letter_topic: same
                  retry_initial_ms: 500
                  retry_max_ms: 100
                """));
        String rest = String.join("\n", second.problems());
        assertTrue(rest.contains("<inline>:4: fanout.influx_url: value 'tsdb:8086' is not an http:// or https:// URL"),
                rest);
        assertTrue(rest.contains("<inline>:5: fanout.dead_letter_topic must differ from kafka.readings_topic"), rest);
        assertTrue(rest.contains("<inline>:7: fanout.retry_max_ms (100) must be at least fanout.retry_initial_ms"),
                rest);
    }

    @Test
    void settingsMap_takesRulesAsAFlowList() {
        SluiceConfig c = ConfigLoader.fromMap(Map.of("fanout.enabled", "true",
                "fanout.rules", "[{topic: 'sensors/{sensor}/{measurement}', timestamp_field: ts, precision: ms}]"));
        assertEquals("sensors/{sensor}/{measurement}", c.fanout().rules().get(0).topicFilter());
        assertEquals(TimePrecision.MS, c.fanout().rules().get(0).precision());
    }
}
