package io.sluice.daemon.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.daemon.config.ConfigException;
import io.sluice.daemon.config.ConfigLoader;
import io.sluice.daemon.config.SluiceConfig;
import io.sluice.ingest.InflightBudget;
import io.sluice.mqtt.SessionLimits;
import org.junit.jupiter.api.Test;

/** The bounds' config keys reach the components they bound. */
class BoundsWiringTest {

    @Test
    void udpSources_getTheirShareOfTheGlobalBudget_andAFloodLeavesTheRestToMqtt() {
        SluiceConfig c = ConfigLoader.fromYaml("""
                ingest:
                  max_inflight_bytes: 1048576
                  udp_max_inflight_percent: 20
                """);
        InflightBudget global = new InflightBudget(c.ingest().maxInflightBytes());
        InflightBudget udp = Wiring.udpBudget(c, global);
        int granted = 0;
        for (int i = 0; i < 10_000 && udp.tryAcquire(1000); i++) {
            granted++;
        }
        assertTrue(granted <= 210, "UDP took " + granted + " KB of a 1 MB budget with a 20% share");
        assertTrue(global.tryAcquire(800_000), "MQTT still gets the other 80%");
        assertFalse(udp.tryAcquire(1000));
    }

    @Test
    void sessionLimits_comeFromTheirKeys_withTheDocumentedDefaults() {
        assertEquals(SessionLimits.defaults(), Wiring.sessionLimits(ConfigLoader.fromYaml("")));
        SluiceConfig c = ConfigLoader.fromYaml("""
                mqtt:
                  max_persistent_sessions: 10
                  max_client_id_bytes: 64
                  max_subscriptions_per_session: 3
                  max_topic_filter_bytes: 100
                  session_store_timeout_ms: 2000
                """);
        assertEquals(new SessionLimits(10, 64, 3, 100, 2000), Wiring.sessionLimits(c));
    }

    @Test
    void aClientIdLimitBelowWhatMqttRequires_isRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                mqtt:
                  max_client_id_bytes: 22
                """));
        assertTrue(e.getMessage().contains("mqtt.max_client_id_bytes: value '22' is not an integer between 23"),
                e.getMessage());
    }

    @Test
    void aNodeIdLongerThanTheRecordWeightAllowsFor_isRefused() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.fromYaml("node_id: " + "n".repeat(256) + "\n"));
        assertTrue(e.getMessage().contains("node_id is 256 bytes long; at most 255"), e.getMessage());
        assertEquals("n".repeat(255), ConfigLoader.fromYaml("node_id: " + "n".repeat(255) + "\n").nodeId());
    }
}
