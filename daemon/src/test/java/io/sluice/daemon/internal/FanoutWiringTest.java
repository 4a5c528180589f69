package io.sluice.daemon.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.daemon.config.ConfigLoader;
import io.sluice.sinks.FanoutConfig;
import org.junit.jupiter.api.Test;

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
}
