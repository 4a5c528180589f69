package io.sluice.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.daemon.internal.Wiring;
import io.sluice.sinks.downlink.KafkaReceipts;
import io.sluice.sinks.downlink.ReceiptsConfig;
import org.junit.jupiter.api.Test;

/** downlink.receipts_*: off by default and with delivery off; a topic name of its own; every key reaches the writer. */
class ReceiptsConfigTest {

    @Test
    void receiptsAreOffByDefault() {
        assertFalse(ConfigLoader.fromYaml("").downlink().receipts());
    }

    @Test
    void everyKey_isRead_andReachesTheWriter() {
        SluiceConfig c = ConfigLoader.fromYaml("""
                node_id: n1
                downlink:
                  receipts_topic: cmd-receipts
                  receipts_partitions: 4
                  receipts_max_pending_bytes: 131072
                """);

        assertTrue(c.downlink().receipts());
        assertEquals("cmd-receipts", c.downlink().receiptsTopic());
        assertEquals(4, c.downlink().receiptsPartitions());
        try (KafkaReceipts receipts = Wiring.receipts(c)) {
            ReceiptsConfig rc = receipts.config();
            assertEquals("cmd-receipts", rc.topic());
            assertEquals(131_072, rc.maxPendingBytes());
            assertEquals("sluice-receipts-n1", rc.clientId());
        }
    }

    @Test
    void deliveryOff_turnsReceiptsOff() {
        SluiceConfig c = ConfigLoader.fromYaml("""
                delivery:
                  enabled: false
                downlink:
                  enabled: false
                  receipts_topic: cmd-receipts
                """);

        assertFalse(c.downlink().receipts());
    }

    @Test
    void aReceiptsTopicThatIsNoTopicName_orAnotherOfSluicesTopics_isRefused() {
        ConfigException bad = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                downlink:
                  receipts_topic: "no spaces"
                """));
        assertTrue(String.join("\n", bad.problems()).contains("downlink.receipts_topic: value 'no spaces' is not a"
                + " valid Kafka topic name"), String.join("\n", bad.problems()));

        ConfigException same = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                downlink:
                  receipts_topic: sluice.downlink
                """));
        assertTrue(String.join("\n", same.problems()).contains("downlink.receipts_topic ('sluice.downlink') must"
                + " differ from downlink.topic"), String.join("\n", same.problems()));
    }
}
