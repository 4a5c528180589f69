package io.sluice.daemon.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sluice.daemon.config.ConfigException;
import io.sluice.daemon.config.ConfigLoader;
import io.sluice.sinks.FanoutConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fan-out's Kafka clients get what the rest of the node's clients get. */
class FanoutWiringTest {

    @Test
    void deadLetterProducer_getsTheClientProperties_andARequestSizeForTheLargestPacket() {
        FanoutConfig f = Wiring.fanoutConfig(ConfigLoader.fromYaml("""
                mqtt:
                  max_packet_size_bytes: 8388608
                kafka:
                  client_properties:
                    security.protocol: SASL_SSL
                    sasl.mechanism: PLAIN
                """));
        assertEquals("SASL_SSL", f.producerProperties().get("security.protocol"));
        assertEquals("PLAIN", f.producerProperties().get("sasl.mechanism"));
        long maxRequest = Long.parseLong(f.producerProperties().get("max.request.size"));
        assertTrue(maxRequest > 8_388_608L, "a reading of the largest packet fits with its headers: " + maxRequest);
        assertEquals("SASL_SSL", f.consumerProperties().get("security.protocol"));
    }

    @Test
    void influxApiV1_writesToTheDatabaseAndPolicy_withThePasswordReadFromItsFile(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("influx.password");
        Files.writeString(secret, "s3cret\n");
        FanoutConfig f = Wiring.fanoutConfig(ConfigLoader.fromYaml("""
                fanout:
                  influx_url: http://127.0.0.1:8086
                  influx_api: v1
                  influx_database: plant
                  influx_retention_policy: week
                  influx_username: sluice
                  influx_password_file: %s
                """.formatted(secret)));
        assertEquals(new FanoutConfig.InfluxV1("plant", "week", "sluice", "s3cret"), f.influxV1());
        assertFalse(f.influxV1().toString().contains("s3cret"), "no password in logs");
        assertTrue(f.target().contains("database plant retention policy week"), f.target());
    }

    @Test
    void influxApiV2_isTheDefault_andHasNoV1Settings() {
        FanoutConfig f = Wiring.fanoutConfig(ConfigLoader.fromYaml("fanout:\n  influx_bucket: plant\n"));
        assertNull(f.influxV1());
        assertEquals("http://127.0.0.1:8086 bucket plant", f.target());
    }

    @Test
    void influxApiV1_configCheck_namesAMissingPasswordFile_andAUsernameWithoutOne(@TempDir Path dir) {
        Path missing = dir.resolve("absent.password");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                fanout:
                  influx_api: v1
                  influx_username: sluice
                  influx_password_file: %s
                """.formatted(missing)));
        assertTrue(e.problems().stream().anyMatch(p -> p.contains(":4: fanout.influx_password_file")
                && p.contains(missing.toString()) && p.contains("does not exist")), e.problems().toString());
        ConfigException noFile = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                fanout:
                  influx_api: v1
                  influx_username: sluice
                """));
        assertTrue(noFile.problems().stream().anyMatch(p -> p.contains(":3: fanout.influx_username 'sluice' needs"
                + " fanout.influx_password_file")), noFile.problems().toString());
        ConfigException badApi = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                fanout:
                  influx_api: v3
                """));
        assertTrue(badApi.problems().get(0).contains("fanout.influx_api: value 'v3'"), badApi.problems().toString());
    }
}
