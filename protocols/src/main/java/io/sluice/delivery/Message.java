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
 * @param origin            the downlink record it came from (docs/DELIVERY.md, "Downlink receipts"), kept through the
 *                          delivery log, a handover and a restart; null for a message an MQTT client published
 */
public record Message(String topic, byte[] payload, int qos, boolean retain, String publisherClientId,
                      long publishedAtMillis, long expirySeconds, int payloadFormat, String contentType,
                      String responseTopic, byte[] correlationData, List<UserProperty> userProperties,
                      Set<String> sharedGroups, Origin origin) {
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

    /** A message without an {@link #origin}. */
    public Message(String topic, byte[] payload, int qos, boolean retain, String publisherClientId,
                   long publishedAtMillis, long expirySeconds, int payloadFormat, String contentType,
                   String responseTopic, byte[] correlationData, List<UserProperty> userProperties,
                   Set<String> sharedGroups) {
        this(topic, payload, qos, retain, publisherClientId, publishedAtMillis, expirySeconds, payloadFormat,
                contentType, responseTopic, correlationData, userProperties, sharedGroups, null);
    }

    /** A message for every shared subscription its node holds ({@link #sharedGroups} null). */
    public Message(String topic, byte[] payload, int qos, boolean retain, String publisherClientId,
                   long publishedAtMillis, long expirySeconds, int payloadFormat, String contentType,
                   String responseTopic, byte[] correlationData, List<UserProperty> userProperties) {
        this(topic, payload, qos, retain, publisherClientId, publishedAtMillis, expirySeconds, payloadFormat,
                contentType, responseTopic, correlationData, userProperties, null, null);
    }

    /** This message with {@link #sharedGroups} {@code groups}. */
    public Message withSharedGroups(Set<String> groups) {
        return new Message(topic, payload, qos, retain, publisherClientId, publishedAtMillis, expirySeconds,
                payloadFormat, contentType, responseTopic, correlationData, userProperties, groups, origin);
    }

    /** This message with {@link #origin} {@code from}. */
    public Message withOrigin(Origin from) {
        return new Message(topic, payload, qos, retain, publisherClientId, publishedAtMillis, expirySeconds,
                payloadFormat, contentType, responseTopic, correlationData, userProperties, sharedGroups, from);
    }

    /**
     * This message as sent to one session: at {@code sendQos} with RETAIN {@code sendRetain}, serving every shared
     * subscription (what a handover writes); its origin kept.
     */
    public Message asSent(int sendQos, boolean sendRetain) {
        return new Message(topic, payload, sendQos, sendRetain, publisherClientId, publishedAtMillis, expirySeconds,
                payloadFormat, contentType, responseTopic, correlationData, userProperties, null, origin);
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
