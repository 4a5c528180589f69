package io.sluice.delivery;

import io.sluice.ingest.Envelope.UserProperty;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One application message on its way to subscribers, as the delivery log holds it. Immutable; no Netty type. The
 * payload array is shared by every subscriber it goes to: nobody may mutate it.
 *
 * @param topic             the topic it was published to (never a filter)
 * @param payload           the payload bytes; empty for a retained-message deletion
 * @param qos               the QoS it was published with (0, 1 or 2); each subscriber gets at most its granted QoS
 * @param retain            the RETAIN flag as published
 * @param publisherClientId who published it (no-local compares against this); for the downlink, the writer's name
 * @param publishedAtMillis when the node accepted it (epoch ms); message expiry counts from here
 * @param expirySeconds     MQTT 5 message expiry interval, 0 for none
 * @param payloadFormat     MQTT 5 payload format indicator (0 or 1), -1 when absent
 * @param contentType       MQTT 5 content type, or null
 * @param responseTopic     MQTT 5 response topic, or null
 * @param correlationData   MQTT 5 correlation data, or null
 * @param userProperties    MQTT 5 user properties in order (names may repeat)
 * @param sharedGroups      as read from the delivery log: the shared subscriptions ({@code G/F}) this node serves
 *                          for it, chosen by the publishing node (docs/DELIVERY.md, "Delivery across nodes"); null
 *                          for every one it holds (a record without the list, and every message not read from the
 *                          delivery log)
 */
public record Message(String topic, byte[] payload, int qos, boolean retain, String publisherClientId,
                      long publishedAtMillis, long expirySeconds, int payloadFormat, String contentType,
                      String responseTopic, byte[] correlationData, List<UserProperty> userProperties,
                      Set<String> sharedGroups) {
    public Message {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(publisherClientId, "publisherClientId");
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos " + qos);
        }
        userProperties = userProperties == null ? List.of() : List.copyOf(userProperties);
        sharedGroups = sharedGroups == null ? null : Set.copyOf(sharedGroups);
    }

    /** A message for every shared subscription its node holds ({@link #sharedGroups} null). */
    public Message(String topic, byte[] payload, int qos, boolean retain, String publisherClientId,
                   long publishedAtMillis, long expirySeconds, int payloadFormat, String contentType,
                   String responseTopic, byte[] correlationData, List<UserProperty> userProperties) {
        this(topic, payload, qos, retain, publisherClientId, publishedAtMillis, expirySeconds, payloadFormat,
                contentType, responseTopic, correlationData, userProperties, null);
    }

    /** This message with {@link #sharedGroups} {@code groups}. */
    public Message withSharedGroups(Set<String> groups) {
        return new Message(topic, payload, qos, retain, publisherClientId, publishedAtMillis, expirySeconds,
                payloadFormat, contentType, responseTopic, correlationData, userProperties, groups);
    }

    /** True once its expiry interval has passed at {@code nowMillis}; never for a message without expiry. */
    public boolean expiredAt(long nowMillis) {
        return expirySeconds > 0 && nowMillis - publishedAtMillis >= expirySeconds * 1000L;
    }

    /** Seconds of expiry left at {@code nowMillis} (what an MQTT 5 subscriber is told), 0 when none was set. */
    public long remainingExpirySeconds(long nowMillis) {
        if (expirySeconds <= 0) {
            return 0;
        }
        return Math.max(1, expirySeconds - (nowMillis - publishedAtMillis) / 1000L);
    }
}
