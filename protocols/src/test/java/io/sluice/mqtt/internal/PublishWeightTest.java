package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.ingest.InflightBudget;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a PUBLISH weighs against the in-flight budget, seen through a real MQTT pipeline. */
class PublishWeightTest {
    private MqttHarness h;

    @AfterEach
    void close() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void qos0PublishesCarryingQuarterMegabyteOfUserProperties_spendTheBudget_andReadingPauses() {
        ManualIngest ingest = new ManualIngest();
        InflightBudget budget = new InflightBudget(1 << 20);
        h = new MqttHarness(MqttHarness.context(MqttHarness.config(64, 4, 1 << 20), ingest, budget,
                new MemorySessionStore()), ingest);
        h.connect(MqttVersion.MQTT_5, "chatty", true, 0);
        MqttProperties props = new MqttProperties();
        for (int i = 0; i < 250; i++) {
            props.add(new MqttProperties.UserProperty("k" + i, "v".repeat(1000)));
        }
        MqttMessage[] publishes = new MqttMessage[10];
        for (int i = 0; i < publishes.length; i++) {
            publishes[i] = MqttHarness.publish("t", 0, 0, new byte[] {1}, props);
        }
        h.send(publishes);
        // 10 x 250 KB of properties is 2.5 MB: a 1 MB budget must stop reading after at most four of them
        assertTrue(ingest.received.size() <= 4, "submitted " + ingest.received.size() + " with 1 MB of budget");
        assertFalse(h.server.config().isAutoRead(), "reading paused on the spent budget");
        assertTrue(budget.usedBytes() >= ingest.received.size() * 250_000L, "used " + budget.usedBytes());
    }
}
