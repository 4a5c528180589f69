package io.sluice.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.daemon.internal.Wiring;
import io.sluice.mqtt.DeliveryLimits;
import org.junit.jupiter.api.Test;

/** The delivery section's bounds: defaults, values reaching the MQTT side, errors naming key and line. */
class DeliveryConfigTest {
    @Test
    void defaults_reachTheMqttSide() {
        DeliveryLimits l = Wiring.deliveryLimits(ConfigLoader.fromYaml(""));
        assertEquals(DeliveryLimits.defaults(), l);
        assertEquals(32, l.maxInflightPerSession());
        assertEquals(10_000, l.maxQueuedMessagesPerSession());
        assertEquals(128L << 20, l.maxQueuedBytes());
        assertEquals(64L << 20, l.maxRetainedBytes());
    }

    @Test
    void setValues_reachTheMqttSide() {
        DeliveryLimits l = Wiring.deliveryLimits(ConfigLoader.fromYaml("""
                delivery:
                  max_inflight_per_session: 5
                  max_queued_messages_per_session: 1000
                  max_queued_bytes: 1048576
                  max_retained_bytes: 4096
                """));
        assertEquals(new DeliveryLimits(5, 1000, 1 << 20, 4096), l);
    }

    @Test
    void anOutOfRangeBound_isAnErrorNamingKeyAndLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                delivery:
                  max_inflight_per_session: 0
                """));
        assertTrue(e.getMessage().contains("<inline>:2: delivery.max_inflight_per_session: value '0'"),
                e.getMessage());
    }
}
