package io.sluice.sinks;

import java.util.Map;
import java.util.Set;

/**
 * Settings of the readings log writer ({@code KafkaLog}). Immutable and validated on construction; an invalid value
 * throws {@link IllegalArgumentException} naming the field, the value and the rule, never falls back to a default.
 *
 * <p>Sluice always writes with {@code acks=all} and an idempotent producer: those and every setting that has a
 * field here cannot be overridden through {@link #clientProperties()} (that would silently weaken the contract or
 * make two sources of truth). Everything else there (security, {@code compression.type}, {@code max.request.size},
 * ...) is passed to the producer as given.
 *
 * <p>Memory: {@code bufferMemoryBytes} bounds what the producer holds; callers keep their own in-flight budget at or
 * below it so that a send never waits for buffer space.
 *
 * @param bootstrapServers  comma separated host:port list
 * @param topic             the readings topic, normally {@link #DEFAULT_TOPIC}
 * @param lingerMs          {@code linger.ms}: how long a batch may wait to fill; adds up to this to every ack
 * @param batchSizeBytes    {@code batch.size} per partition
 * @param bufferMemoryBytes {@code buffer.memory}
 * @param deliveryTimeoutMs {@code delivery.timeout.ms}: how long one record is retried before it is RETRYABLE
 * @param requestTimeoutMs  {@code request.timeout.ms}
 * @param maxBlockMs        {@code max.block.ms}: how long a record may wait to be handed to the producer (for
 *                          metadata or buffer space, on the log's sender thread, never the caller's) before it is
 *                          RETRYABLE. While Kafka is unreachable the producer forgets its metadata (it
 *                          re-bootstraps), so during an outage this, not {@code deliveryTimeoutMs}, bounds new
 *                          records; {@code deliveryTimeoutMs} bounds those already handed over. 0 disables both
 *                          the wait and the check
 * @param clientId          {@code client.id}, shows up in broker logs and quotas
 * @param clientProperties  extra producer properties; never null after construction
 */
public record LogConfig(
        String bootstrapServers,
        String topic,
        int lingerMs,
        int batchSizeBytes,
        long bufferMemoryBytes,
        int deliveryTimeoutMs,
        int requestTimeoutMs,
        int maxBlockMs,
        String clientId,
        Map<String, String> clientProperties) {

    public static final String DEFAULT_TOPIC = "sluice.readings";

    /** Producer properties owned by Sluice: set from the fields above or fixed by the delivery contract. */
    public static final Set<String> RESERVED_PROPERTIES = Set.of(
            "bootstrap.servers", "client.id", "acks", "enable.idempotence", "transactional.id",
            "key.serializer", "value.serializer", "linger.ms", "batch.size", "buffer.memory",
            "delivery.timeout.ms", "request.timeout.ms", "max.block.ms");

    public LogConfig {
        Validation.notBlank("bootstrapServers", bootstrapServers);
        Validation.notBlank("topic", topic);
        Validation.notBlank("clientId", clientId);
        Validation.atLeast("lingerMs", lingerMs, 0);
        Validation.atLeast("batchSizeBytes", batchSizeBytes, 1);
        Validation.atLeast("bufferMemoryBytes", bufferMemoryBytes, 1);
        Validation.atLeast("requestTimeoutMs", requestTimeoutMs, 1);
        Validation.atLeast("maxBlockMs", maxBlockMs, 0);
        if (batchSizeBytes > bufferMemoryBytes) {
            throw new IllegalArgumentException("batchSizeBytes " + batchSizeBytes
                    + " must not exceed bufferMemoryBytes " + bufferMemoryBytes);
        }
        // Kafka refuses this combination at producer construction; say it here, in our own terms.
        if ((long) deliveryTimeoutMs < (long) lingerMs + requestTimeoutMs) {
            throw new IllegalArgumentException("deliveryTimeoutMs " + deliveryTimeoutMs
                    + " must be at least lingerMs + requestTimeoutMs = " + ((long) lingerMs + requestTimeoutMs));
        }
        clientProperties = Validation.extraProperties(clientProperties, RESERVED_PROPERTIES);
    }

    /** The shipped defaults (same as the daemon's config schema) against the given bootstrap servers. */
    public static LogConfig defaults(String bootstrapServers) {
        return new LogConfig(bootstrapServers, DEFAULT_TOPIC, 5, 262_144, 128L * 1024 * 1024,
                120_000, 30_000, 60_000, "sluice", Map.of());
    }

    public LogConfig withTopic(String newTopic) {
        return new LogConfig(bootstrapServers, newTopic, lingerMs, batchSizeBytes, bufferMemoryBytes,
                deliveryTimeoutMs, requestTimeoutMs, maxBlockMs, clientId, clientProperties);
    }

    public LogConfig withClientId(String newClientId) {
        return new LogConfig(bootstrapServers, topic, lingerMs, batchSizeBytes, bufferMemoryBytes,
                deliveryTimeoutMs, requestTimeoutMs, maxBlockMs, newClientId, clientProperties);
    }

    /** Replaces the three producer timeouts together, since Kafka constrains them against each other. */
    public LogConfig withTimeouts(int newDeliveryTimeoutMs, int newRequestTimeoutMs, int newMaxBlockMs) {
        return new LogConfig(bootstrapServers, topic, lingerMs, batchSizeBytes, bufferMemoryBytes,
                newDeliveryTimeoutMs, newRequestTimeoutMs, newMaxBlockMs, clientId, clientProperties);
    }

    /** Replaces linger, batch size and buffer memory together, since they bound each other. */
    public LogConfig withBatching(int newLingerMs, int newBatchSizeBytes, long newBufferMemoryBytes) {
        return new LogConfig(bootstrapServers, topic, newLingerMs, newBatchSizeBytes, newBufferMemoryBytes,
                deliveryTimeoutMs, requestTimeoutMs, maxBlockMs, clientId, clientProperties);
    }

    public LogConfig withClientProperties(Map<String, String> newClientProperties) {
        return new LogConfig(bootstrapServers, topic, lingerMs, batchSizeBytes, bufferMemoryBytes,
                deliveryTimeoutMs, requestTimeoutMs, maxBlockMs, clientId, newClientProperties);
    }
}
