package io.sluice.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The delivery section: on by default, its topics distinct from every other topic of Sluice's. */
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
                  max_retained_messages: 7
                  max_retained_bytes: 4096
                  max_pending_bytes: 2097152
                """).delivery();

        assertFalse(d.enabled());
        assertEquals(new SluiceConfig.Delivery(false, "d", "r", 3, 250, 7, 4096, 2_097_152), d);
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
}
