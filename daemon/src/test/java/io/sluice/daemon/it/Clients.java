package io.sluice.daemon.it;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** Real MQTT clients (HiveMQ) and small helpers for reading what Sluice wrote to Kafka. */
final class Clients {
    private Clients() {
    }

    static Mqtt3BlockingClient v3(String id, int port) {
        return MqttClient.builder().useMqttVersion3().identifier(id).serverHost("127.0.0.1").serverPort(port)
                .buildBlocking();
    }

    static Mqtt5BlockingClient v5(String id, int port) {
        return MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1").serverPort(port)
                .buildBlocking();
    }

    /**
     * A reading's header by its full-layout name ({@code sluice.topic}, ...), taken from the compact
     * {@code sluice} header when the record has one; null when absent.
     */
    static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header compact = r.headers().lastHeader(io.sluice.sinks.ReadingHeader.KEY);
        if (compact != null) {
            java.util.Map<String, String> fields = io.sluice.sinks.ReadingHeader.fields(compact.value());
            if (fields.containsKey(name) || name.equals("sluice.protocol_version")) {
                return fields.get(name);
            }
        }
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static Optional<ConsumerRecord<String, byte[]>> withPayload(Iterable<ConsumerRecord<String, byte[]>> records,
                                                                String payload) {
        for (ConsumerRecord<String, byte[]> r : records) {
            if (payload.equals(new String(r.value(), StandardCharsets.UTF_8))) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
