package io.sluice.ingest;

import java.util.List;
import java.util.Objects;

/**
 * One reading as received, protocol-neutral and immutable. The payload is carried unchanged into the log.
 * No Netty type ever appears here: front ends copy what they need out of their buffers.
 *
 * @param clientId        the device or client id; the log record's key
 * @param topic           the MQTT topic (or the topic the datagram front end assigns)
 * @param payload         the payload bytes, never modified; callers must not mutate the array after submitting
 * @param protocol        {@link Protocols} value: "mqtt", "mqtt-sn", "line-udp"
 * @param protocolVersion for MQTT "3.1.1" or "5"; for MQTT-SN "1.2"; may be null for plain datagrams
 * @param qos             the QoS the client sent with (-1 for MQTT-SN QoS -1)
 * @param receivedAtNanos wall-clock receive time, nanoseconds since the epoch
 * @param contentType     MQTT 5 content type, or null
 * @param userProperties  MQTT 5 user properties in order (names may repeat); empty if none
 * @param source          the sender's address ("ip:port"), or null when not recorded
 */
public record Envelope(
        String clientId,
        String topic,
        byte[] payload,
        String protocol,
        String protocolVersion,
        int qos,
        long receivedAtNanos,
        String contentType,
        List<UserProperty> userProperties,
        String source) {

    public Envelope {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(protocol, "protocol");
        userProperties = userProperties == null ? List.of() : List.copyOf(userProperties);
    }

    /** Bytes this envelope holds against the in-flight budget (payload, topic, key and a fixed overhead). */
    public int weightBytes() {
        return payload.length + topic.length() + clientId.length() + 64;
    }

    /** An MQTT 5 user property. */
    public record UserProperty(String name, String value) {
    }
}
