package io.sluice.sim.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChaosStackYamlTest {
    @Test
    void dottedKeys_becomeOneSectionEach_inFirstSeenOrder() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("node_id", "chaos");
        m.put("mqtt.port", "1883");
        m.put("kafka.readings_topic", "t");
        m.put("mqtt.host", "127.0.0.1");
        assertEquals("node_id: chaos\nmqtt:\n  port: 1883\n  host: 127.0.0.1\nkafka:\n  readings_topic: t\n",
                ChaosStack.yaml(m));
    }
}
