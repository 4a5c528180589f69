package io.sluice.sinks;

import java.util.Map;
import java.util.Objects;

/**
 * One record of the readings topic as the fan-out sees it, independent of Kafka.
 *
 * @param topic      MQTT topic ({@code sluice.topic})
 * @param clientId   record key
 * @param payload    raw payload, not copied
 * @param receivedNs receive time ({@code sluice.received_ns}), epoch nanoseconds
 * @param headers    every header as UTF-8 text
 */
public record Reading(String topic, String clientId, byte[] payload, long receivedNs, Map<String, String> headers) {
    public Reading {
        Objects.requireNonNull(topic, "topic");
        payload = payload == null ? new byte[0] : payload;
        headers = headers == null ? Map.of() : headers;
    }
}
