package io.sluice.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.daemon.internal.Wiring;
import java.util.List;
import org.junit.jupiter.api.Test;

/** mqtt.server_references and shutdown.drain_disconnect_rate_per_s: defaults, what they reach, what is refused. */
class DrainConfigTest {

    @Test
    void defaults_noReferences_andEndingAThousandConnectionsASecond() {
        SluiceConfig c = ConfigLoader.fromYaml("");
        assertEquals(List.of(), c.mqtt().serverReferences());
        assertEquals(List.of(), Wiring.mqttConfig(c).serverReferences());
        assertEquals(1_000, c.shutdown().drainDisconnectRatePerS());
    }

    @Test
    void references_areReadInOrder_andReachTheListener() {
        SluiceConfig c = ConfigLoader.fromYaml("""
                mqtt:
                  server_references: "mqtt-2.example.com:1883, [fd00::3]:8883"
                shutdown:
                  drain_disconnect_rate_per_s: 0
                """);
        assertEquals(List.of("mqtt-2.example.com:1883", "[fd00::3]:8883"), Wiring.mqttConfig(c).serverReferences());
        assertEquals(0, c.shutdown().drainDisconnectRatePerS());
    }

    @Test
    void aReference_withoutAPort_withASpace_orEmpty_isRefused_namingIt() {
        for (String bad : List.of("mqtt-2", "mqtt 2:1883", "mqtt-2:1883,,mqtt-3:1883", "mqtt-2:0", ":1883",
                "mqtt-2:http")) {
            ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml(
                    "mqtt:\n  server_references: \"" + bad + "\"\n"), bad);
            assertTrue(String.join("\n", e.problems()).contains("mqtt.server_references"), e.problems().toString());
        }
    }

    @Test
    void aNegativeRate_isRefused() {
        assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                shutdown:
                  drain_disconnect_rate_per_s: -1
                """));
    }
}
