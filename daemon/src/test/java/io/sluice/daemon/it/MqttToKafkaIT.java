package io.sluice.daemon.it;

import static io.sluice.daemon.it.Clients.header;
import static io.sluice.daemon.it.Clients.utf8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.sluice.daemon.SluiceDaemon;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real MQTT client publishes through the real daemon into a real Kafka broker. */
class MqttToKafkaIT {
    private TestKafka kafka;
    private SluiceDaemon daemon;

    @BeforeEach
    void start() {
        kafka = TestKafka.shared();
        daemon = SluiceDaemon.start(kafka.daemonConfig("mqtt-to-kafka"));
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    @Test
    void qos1_fromMqtt311_landsInKafka_withKeyValueAndHeaders() {
        Mqtt3BlockingClient client = Clients.v3("sensor-v3", daemon.mqttPort());
        client.connect();
        byte[] payload = {0, 1, 2, (byte) 0xff, 'x'}; // binary, to prove the value is carried unchanged
        client.publishWith().topic("sensors/boiler-1/temperature").qos(MqttQos.AT_LEAST_ONCE).payload(payload).send();
        client.disconnect();

        List<ConsumerRecord<String, byte[]>> records = kafka.readAll(daemon.config().kafka().readingsTopic());
        assertEquals(1, records.size());
        ConsumerRecord<String, byte[]> r = records.get(0);
        assertEquals("sensor-v3", r.key());
        assertArrayEquals(payload, r.value());
        // the default layout: topic, receive time, protocol, version, QoS and node in the one compact header, then
        // who sent it (an anonymous client on loopback: no authentication is configured here)
        assertEquals(2, r.headers().toArray().length, "two headers: " + List.of(r.headers().toArray()));
        assertEquals("sluice", r.headers().toArray()[0].key());
        assertEquals("anonymous", header(r, "sluice.identity"));
        assertEquals("sensors/boiler-1/temperature", header(r, "sluice.topic"));
        assertEquals("mqtt", header(r, "sluice.protocol"));
        assertEquals("3.1.1", header(r, "sluice.protocol_version"));
        assertEquals("1", header(r, "sluice.qos"));
        assertEquals("it-node", header(r, "sluice.node"));
        assertNull(header(r, "sluice.content_type"));
        long receivedNs = Long.parseLong(header(r, "sluice.received_ns"));
        long nowNs = System.currentTimeMillis() * 1_000_000L;
        assertTrue(receivedNs <= nowNs && receivedNs > nowNs - Duration.ofMinutes(5).toNanos(), "receive time " + receivedNs);
    }

    @Test
    void qos1_fromMqtt5_carriesContentTypeAndUserProperties() {
        Mqtt5BlockingClient client = Clients.v5("sensor-v5", daemon.mqttPort());
        client.connect();
        client.publishWith().topic("sensors/pump-7/pressure").qos(MqttQos.AT_LEAST_ONCE)
                .payload(utf8("{\"bar\":2.5}"))
                .contentType("application/json")
                .userProperties().add("unit", "bar").add("site", "north").add("unit", "kPa").applyUserProperties()
                .send();
        client.disconnect();

        List<ConsumerRecord<String, byte[]>> records = kafka.readAll(daemon.config().kafka().readingsTopic());
        assertEquals(1, records.size());
        ConsumerRecord<String, byte[]> r = records.get(0);
        assertEquals("sensor-v5", r.key());
        assertEquals("{\"bar\":2.5}", new String(r.value(), StandardCharsets.UTF_8));
        assertEquals("5", header(r, "sluice.protocol_version"));
        assertEquals("application/json", header(r, "sluice.content_type"));
        assertEquals("north", header(r, "mqtt.user.site"));
        List<String> units = new java.util.ArrayList<>();
        r.headers().headers("mqtt.user.unit").forEach(h -> units.add(new String(h.value(), StandardCharsets.UTF_8)));
        assertEquals(List.of("bar", "kPa"), units, "repeated user properties keep their order");
    }

    @Test
    void qos0_isWritten_andManyDevicesKeepTheirOwnKeys() {
        for (int d = 0; d < 5; d++) {
            Mqtt5BlockingClient client = Clients.v5("dev-" + d, daemon.mqttPort());
            client.connect();
            for (int i = 0; i < 20; i++) {
                client.publishWith().topic("sensors/dev-" + d).qos(i % 2 == 0 ? MqttQos.AT_MOST_ONCE : MqttQos.AT_LEAST_ONCE)
                        .payload(utf8("dev-" + d + ":" + i)).send();
            }
            client.disconnect();
        }
        String topic = daemon.config().kafka().readingsTopic();
        await().atMost(Duration.ofSeconds(30)).until(() -> kafka.readAll(topic).size() == 100);
        for (ConsumerRecord<String, byte[]> r : kafka.readAll(topic)) {
            String value = new String(r.value(), StandardCharsets.UTF_8);
            assertTrue(value.startsWith(r.key() + ":"), "record " + value + " carries key " + r.key());
        }
    }
}
