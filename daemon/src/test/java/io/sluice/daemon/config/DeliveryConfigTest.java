package io.sluice.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.daemon.internal.Wiring;
import io.sluice.mqtt.DeliveryLimits;
import org.junit.jupiter.api.Test;

/**
 * The delivery section: on by default, its topics distinct from every other topic of Sluice's; its bounds reach the
 * MQTT side; errors name key and line.
 */
class DeliveryConfigTest {

    @Test
    void defaults_deliveryOn_withItsTwoTopics_andBounds() {
        SluiceConfig.Delivery d = ConfigLoader.fromYaml("").delivery();

        assertTrue(d.enabled());
        assertEquals("sluice.delivery", d.topic());
        assertEquals("sluice.retained", d.retainedTopic());
        assertEquals(16, d.partitions());
        assertEquals(1_000, d.commitIntervalMs());
        assertEquals(100_000, d.maxRetainedMessages());
        assertEquals(64L << 20, d.maxRetainedBytes());
        assertEquals(32L << 20, d.maxPendingBytes());
    }

    @Test
    void everyKey_isRead() {
        SluiceConfig.Delivery d = ConfigLoader.fromYaml("""
                delivery:
                  enabled: false
                  topic: d
                  retained_topic: r
                  partitions: 3
                  commit_interval_ms: 250
                  linger_ms: 2
                  compression: none
                  max_retained_messages: 7
                  max_retained_bytes: 4096
                  max_pending_bytes: 2097152
                """).delivery();

        assertFalse(d.enabled());
        assertEquals(new SluiceConfig.Delivery(false, "d", "r", 3, 250, 2, "none", 32, 10_000, 128L << 20, 7, 4096, 2_097_152, 5_000),
                d);
    }

    @Test
    void aDeliveryTopicNamedLikeTheReadingsTopic_isRefused_namingBothKeysAndTheLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                delivery:
                  topic: sluice.readings
                """));

        String problems = String.join("\n", e.problems());
        assertTrue(problems.contains("delivery.topic") && problems.contains("kafka.readings_topic"), problems);
        assertTrue(problems.contains(":2:"), problems); // the line of delivery.topic
    }

    @Test
    void theSameTopicForDeliveriesAndRetainedMessages_isRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                delivery:
                  topic: same
                  retained_topic: same
                """));

        assertTrue(String.join("\n", e.problems()).contains("delivery.retained_topic must differ from delivery.topic"),
                e.problems().toString());
    }

    @Test
    void anInvalidTopicName_isRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                delivery:
                  retained_topic: "retained messages"
                """));

        assertTrue(String.join("\n", e.problems()).contains("delivery.retained_topic"), e.problems().toString());
    }

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
