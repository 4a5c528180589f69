package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.ingest.Delivery;
import io.sluice.ingest.InflightBudget;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An MQTT 5 PUBLISH carrying user properties is written with them and acknowledged like any other. */
class UserPropertiesPublishTest {
    private MqttHarness h;

    @AfterEach
    void close() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void qos1PublishWithUserProperties_isWrittenWithThem_andAcknowledged() {
        ManualIngest ingest = new ManualIngest();
        h = new MqttHarness(MqttHarness.context(MqttHarness.config(64, 4, 1 << 20), ingest,
                new InflightBudget(1 << 20), new MemorySessionStore()), ingest);
        h.connect(MqttVersion.MQTT_5, "props", true, 0);
        MqttProperties props = new MqttProperties();
        props.add(new MqttProperties.UserProperty("a", "2"));
        props.add(new MqttProperties.UserProperty("c", "3"));
        h.send(MqttHarness.publish("TopicA", 1, 7, new byte[0], props));
        assertEquals(1, ingest.received.size());
        assertEquals(2, ingest.received.get(0).userProperties().size());
        ingest.complete(0, Delivery.DELIVERED);
        List<MqttMessage> out = h.pump();
        assertTrue(out.stream().anyMatch(m -> m.fixedHeader().messageType() == MqttMessageType.PUBACK), "" + out);
    }
}
