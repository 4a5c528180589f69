package io.sluice.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.daemon.internal.Wiring;
import io.sluice.sinks.downlink.DownlinkConfig;
import io.sluice.sinks.downlink.KafkaDownlink;
import org.junit.jupiter.api.Test;

/**
 * The downlink section: on by default with delivery, off with it, an error when set on while delivery is off; its
 * topic distinct from Sluice's others; every key reaches the consumer's settings.
 */
class DownlinkConfigTest {

    @Test
    void defaults_downlinkOn_withItsTopicGroupAndBounds() {
        SluiceConfig.Downlink d = ConfigLoader.fromYaml("").downlink();

        assertEquals(new SluiceConfig.Downlink(true, "sluice.downlink", "sluice.downlink", 12, 10_000,
                32L * 1024 * 1024, 1_000), d);
    }

    @Test
    void everyKey_isRead_andReachesTheConsumersSettings() {
        SluiceConfig c = ConfigLoader.fromYaml("""
                node_id: n1
                downlink:
                  topic: cmds
                  group: cmd-readers
                  partitions: 3
                  max_pending_records: 7
                  max_pending_bytes: 65536
                  commit_interval_ms: 250
                """);

        assertEquals(new SluiceConfig.Downlink(true, "cmds", "cmd-readers", 3, 7, 65_536, 250), c.downlink());
        try (KafkaDownlink downlink = Wiring.downlink(c, m -> null)) {
            DownlinkConfig dc = downlink.config();
            assertEquals("cmds", dc.topic());
            assertEquals("cmd-readers", dc.group());
            assertEquals(7, dc.maxPendingRecords());
            assertEquals(65_536, dc.maxPendingBytes());
            assertEquals(250, dc.commitIntervalMs());
            assertEquals("sluice-downlink-n1", dc.clientId());
        }
    }

    @Test
    void deliveryOff_turnsTheDownlinkOff_whenItIsNotSet() {
        SluiceConfig c = ConfigLoader.fromYaml("""
                delivery:
                  enabled: false
                """);

        assertFalse(c.downlink().enabled());
    }

    @Test
    void downlinkOn_withDeliveryOff_isRefused_namingTheKeyAndItsLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                delivery:
                  enabled: false
                downlink:
                  enabled: true
                """));

        String problems = String.join("\n", e.problems());
        assertTrue(problems.contains(":4: downlink.enabled is true but delivery.enabled is false"), problems);
    }

    @Test
    void downlinkOff_withDeliveryOff_isFine() {
        SluiceConfig c = ConfigLoader.fromYaml("""
                delivery:
                  enabled: false
                downlink:
                  enabled: false
                """);

        assertFalse(c.downlink().enabled());
    }

    @Test
    void downlinkOff_withDeliveryOn_staysOff() {
        assertFalse(ConfigLoader.fromYaml("""
                downlink:
                  enabled: false
                """).downlink().enabled());
    }

    @Test
    void aDownlinkTopicNamedLikeTheDeliveryTopic_isRefused_namingBothKeys() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                downlink:
                  topic: sluice.delivery
                """));

        String problems = String.join("\n", e.problems());
        assertTrue(problems.contains(":2: downlink.topic ('sluice.delivery') must differ from delivery.topic"),
                problems);
    }

    @Test
    void anInvalidDownlinkTopicName_isRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                downlink:
                  topic: "cmd/for devices"
                """));

        assertTrue(String.join("\n", e.problems()).contains("downlink.topic: value 'cmd/for devices' is not a valid"
                + " Kafka topic name"), e.problems().toString());
    }

    @Test
    void aPendingBoundOfZero_isRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                downlink:
                  max_pending_records: 0
                """));

        assertTrue(String.join("\n", e.problems()).contains("downlink.max_pending_records"), e.problems().toString());
    }
}
