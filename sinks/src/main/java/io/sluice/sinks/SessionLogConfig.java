package io.sluice.sinks;

import java.util.Map;
import java.util.Set;

/**
 * Settings of the session store on a compacted topic ({@code KafkaSessionLog}). Immutable and validated on
 * construction, like {@link LogConfig}; writes always use {@code acks=all} and an idempotent producer.
 *
 * @param bootstrapServers  comma separated host:port list
 * @param topic             the compacted sessions topic, normally {@link #DEFAULT_TOPIC}
 * @param deliveryTimeoutMs how long one write is retried before its future fails
 * @param requestTimeoutMs  {@code request.timeout.ms} of producer and consumer
 * @param maxBlockMs        how long a write may wait for metadata (on the store's sender thread)
 * @param loadTimeoutMs     how long {@code loadAll} may take in total before it gives up
 * @param clientId          {@code client.id} prefix of the store's producer and consumer
 * @param clientProperties  extra properties (security, ...) given to both producer and consumer
 * @param maxQueuedBytes    weight of the writes that may wait for the sender thread (while Kafka is slow or down);
 *                          a write beyond it fails at once, retryable
 */
public record SessionLogConfig(
        String bootstrapServers,
        String topic,
        int deliveryTimeoutMs,
        int requestTimeoutMs,
        int maxBlockMs,
        int loadTimeoutMs,
        String clientId,
        Map<String, String> clientProperties,
        long maxQueuedBytes) {

    /** The default of {@link #maxQueuedBytes}: 16 MiB, tens of thousands of typical sessions. */
    public static final long DEFAULT_MAX_QUEUED_BYTES = 16L * 1024 * 1024;

    public static final String DEFAULT_TOPIC = "sluice.sessions";

    /** Properties owned by Sluice (see {@link LogConfig#RESERVED_PROPERTIES}) plus the consumer's own. */
    public static final Set<String> RESERVED_PROPERTIES;

    static {
        var reserved = new java.util.HashSet<>(LogConfig.RESERVED_PROPERTIES);
        reserved.addAll(Set.of("key.deserializer", "value.deserializer", "group.id", "enable.auto.commit",
                "auto.offset.reset"));
        RESERVED_PROPERTIES = Set.copyOf(reserved);
    }

    public SessionLogConfig {
        Validation.notBlank("bootstrapServers", bootstrapServers);
        Validation.notBlank("topic", topic);
        Validation.notBlank("clientId", clientId);
        Validation.atLeast("requestTimeoutMs", requestTimeoutMs, 1);
        Validation.atLeast("maxBlockMs", maxBlockMs, 0);
        Validation.atLeast("loadTimeoutMs", loadTimeoutMs, 1);
        if (maxQueuedBytes < 1) {
            throw new IllegalArgumentException("maxQueuedBytes must be at least 1: " + maxQueuedBytes);
        }
        if (deliveryTimeoutMs < requestTimeoutMs) {
            throw new IllegalArgumentException("deliveryTimeoutMs " + deliveryTimeoutMs
                    + " must be at least requestTimeoutMs " + requestTimeoutMs);
        }
        clientProperties = Validation.extraProperties(clientProperties, RESERVED_PROPERTIES);
    }

    /** Defaults in line with the daemon's: two minutes to deliver or load, 30 s per request. */
    public static SessionLogConfig defaults(String bootstrapServers) {
        return new SessionLogConfig(bootstrapServers, DEFAULT_TOPIC, 120_000, 30_000, 60_000, 120_000,
                "sluice-sessions", Map.of(), DEFAULT_MAX_QUEUED_BYTES);
    }

    public SessionLogConfig withTopic(String newTopic) {
        return new SessionLogConfig(bootstrapServers, newTopic, deliveryTimeoutMs, requestTimeoutMs, maxBlockMs,
                loadTimeoutMs, clientId, clientProperties, maxQueuedBytes);
    }

    public SessionLogConfig withClientId(String newClientId) {
        return new SessionLogConfig(bootstrapServers, topic, deliveryTimeoutMs, requestTimeoutMs, maxBlockMs,
                loadTimeoutMs, newClientId, clientProperties, maxQueuedBytes);
    }

    /** Replaces all timeouts together, since they constrain each other. */
    public SessionLogConfig withTimeouts(int newDeliveryTimeoutMs, int newRequestTimeoutMs, int newMaxBlockMs,
                                         int newLoadTimeoutMs) {
        return new SessionLogConfig(bootstrapServers, topic, newDeliveryTimeoutMs, newRequestTimeoutMs,
                newMaxBlockMs, newLoadTimeoutMs, clientId, clientProperties, maxQueuedBytes);
    }

    public SessionLogConfig withClientProperties(Map<String, String> newClientProperties) {
        return new SessionLogConfig(bootstrapServers, topic, deliveryTimeoutMs, requestTimeoutMs, maxBlockMs,
                loadTimeoutMs, clientId, newClientProperties, maxQueuedBytes);
    }

    public SessionLogConfig withMaxQueuedBytes(long newMaxQueuedBytes) {
        return new SessionLogConfig(bootstrapServers, topic, deliveryTimeoutMs, requestTimeoutMs, maxBlockMs,
                loadTimeoutMs, clientId, clientProperties, newMaxQueuedBytes);
    }
}
