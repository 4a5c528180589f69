package io.sluice.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

    @Test
    void emptyFile_yieldsAllDefaults() {
        SluiceConfig c = ConfigLoader.fromYaml("");
        assertEquals(1883, c.mqtt().port());
        assertEquals("sluice.readings", c.kafka().readingsTopic());
        assertEquals(64L * 1024 * 1024, c.ingest().maxInflightBytes());
        assertTrue(c.kafka().clientProperties().isEmpty());
    }

    @Test
    void unknownKey_andNegativeBound_areBothReported_withTheirLines() {
        String yaml = """
                mqtt:
                  port: 1884
                  max_inflight_mesages: 10
                ingest:
                  max_inflight_bytes: -5
                """;
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml(yaml));
        assertEquals(2, e.problems().size(), e.getMessage());
        assertTrue(e.problems().get(0).startsWith("<inline>:3: unknown key 'mqtt.max_inflight_mesages'"), e.getMessage());
        assertTrue(e.problems().get(0).contains("did you mean 'mqtt.max_inflight_messages'"), e.getMessage());
        assertTrue(e.problems().get(1).startsWith("<inline>:5: ingest.max_inflight_bytes: value '-5' is not an integer between"),
                e.getMessage());
    }

    @Test
    void typeErrors_nameKeyValueAndRule() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                kafka:
                  create_topics: maybe
                log:
                  level: loud
                """));
        assertTrue(e.getMessage().contains("<inline>:2: kafka.create_topics: value 'maybe' is not true or false"), e.getMessage());
        assertTrue(e.getMessage().contains("<inline>:4: log.level: value 'loud' is not one of error, warn, info, debug, trace"),
                e.getMessage());
    }

    @Test
    void sectionGivenAValue_andDuplicateKeys_areErrors() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                mqtt: 5
                kafka:
                  linger_ms: 1
                  linger_ms: 2
                """));
        assertTrue(e.getMessage().contains("<inline>:1: 'mqtt' is a section"), e.getMessage());
        assertTrue(e.getMessage().contains("<inline>:4: key 'kafka.linger_ms' appears twice"), e.getMessage());
    }

    @Test
    void crossFieldRules_nameBothKeys() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                ingest:
                  max_inflight_bytes: 300000000
                kafka:
                  buffer_memory_bytes: 100000000
                  topic_replication_factor: 1
                  topic_min_insync_replicas: 2
                """));
        assertTrue(e.getMessage().contains("<inline>:2: ingest.max_inflight_bytes (300000000) must not exceed kafka.buffer_memory_bytes"),
                e.getMessage());
        assertTrue(e.getMessage().contains("<inline>:6: kafka.topic_min_insync_replicas (2) must not exceed kafka.topic_replication_factor"),
                e.getMessage());
    }

    @Test
    void invalidYaml_isReportedWithItsLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("mqtt:\n  port: [1\n"));
        assertTrue(e.getMessage().startsWith("<inline>:"), e.getMessage());
        assertTrue(e.getMessage().contains("not valid YAML"), e.getMessage());
    }

    @Test
    void clientProperties_areAMapOfStrings() {
        SluiceConfig c = ConfigLoader.fromYaml("""
                kafka:
                  client_properties:
                    security.protocol: SASL_SSL
                    sasl.mechanism: PLAIN
                """);
        assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN"), c.kafka().clientProperties());
    }

    @Test
    void fromMap_appliesSettings_andRejectsUnknownKeys() {
        SluiceConfig c = ConfigLoader.fromMap(Map.of("mqtt.port", "0", "kafka.bootstrap_servers", "127.0.0.1:1"));
        assertEquals(0, c.mqtt().port());
        assertEquals("127.0.0.1:1", c.kafka().bootstrapServers());
        assertThrows(ConfigException.class, () -> ConfigLoader.fromMap(Map.of("mqtt.nope", "1")));
    }

    @Test
    void recordHeaders_defaultCompact_fullOnRequest_othersRefusedWithTheirLine() {
        assertEquals(io.sluice.sinks.HeaderLayout.COMPACT, ConfigLoader.fromYaml("").kafka().recordHeaders());
        assertEquals(io.sluice.sinks.HeaderLayout.FULL, ConfigLoader.fromYaml("""
                kafka:
                  record_headers: full
                """).kafka().recordHeaders());
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                kafka:
                  linger_ms: 5
                  record_headers: six
                """));
        assertTrue(e.getMessage().contains("<inline>:3") && e.getMessage().contains("kafka.record_headers"),
                e.getMessage());
    }

    @Test
    void nodeId_withWhitespace_isRefusedWithItsLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                mqtt:
                  port: 1883
                node_id: "node a"
                """));
        assertTrue(e.getMessage().contains("<inline>:3: node_id: 'node a' holds whitespace"), e.getMessage());
        assertEquals("node-a", ConfigLoader.fromYaml("node_id: node-a").nodeId());
    }
}
