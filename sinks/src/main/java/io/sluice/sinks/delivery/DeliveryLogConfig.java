package io.sluice.sinks.delivery;

import io.sluice.sinks.SessionLogConfig;
import io.sluice.sinks.Validation;
import java.util.Map;

/**
 * Settings of the delivery log ({@link KafkaDeliveryLog}): the delivery topic this node reads its own partition of,
 * the compacted retained-messages topic every node reads whole, and the bounds of what the log holds. Immutable and
 * validated on construction; writes always use {@code acks=all} and an idempotent producer.
 *
 * @param bootstrapServers    comma separated host:port list
 * @param nodeId              this node's id: the key of the records addressed to it, and what picks its partition
 * @param topic               the delivery topic (one record per message and target node)
 * @param retainedTopic       the compacted retained-messages topic (key = MQTT topic, tombstone = deleted)
 * @param partitions          partitions the delivery topic must have; every node computes partitions from it
 * @param commitIntervalMs    how often a committed position is stored at most (and at close)
 * @param maxRetainedMessages retained messages held at most; beyond it a new topic's is counted and not held
 * @param maxRetainedBytes    payload bytes of retained messages held at most; beyond it likewise
 * @param maxPendingBytes     bytes of appends and retains waiting for Kafka's acknowledgement (queued for the
 *                            sender thread or in the producer); beyond it a write fails at once, retryable.
 *                            Also the producer's {@code buffer.memory}
 * @param lingerMs            the producer's {@code linger.ms}
 * @param deliveryTimeoutMs   how long one write is retried before it completes retryable
 * @param requestTimeoutMs    {@code request.timeout.ms} of producer and consumer; also the bound of each commit
 * @param maxBlockMs          how long a write may wait for metadata (on the sender thread, never the caller's)
 * @param startTimeoutMs      how long {@code start} may take to read the retained topic to its end
 * @param clientId            {@code client.id} prefix of the log's producer and consumer
 * @param clientProperties    extra properties (security, ...) given to producer and consumer
 */
public record DeliveryLogConfig(String bootstrapServers, String nodeId, String topic, String retainedTopic,
                                int partitions, int commitIntervalMs, int maxRetainedMessages,
                                long maxRetainedBytes, long maxPendingBytes, int lingerMs, int deliveryTimeoutMs,
                                int requestTimeoutMs, int maxBlockMs, int startTimeoutMs, String clientId,
                                Map<String, String> clientProperties) {

    public static final String DEFAULT_TOPIC = "sluice.delivery";
    public static final String DEFAULT_RETAINED_TOPIC = "sluice.retained";
    public static final int DEFAULT_PARTITIONS = 16;
    public static final int DEFAULT_COMMIT_INTERVAL_MS = 1_000;
    public static final int DEFAULT_MAX_RETAINED_MESSAGES = 100_000;
    public static final long DEFAULT_MAX_RETAINED_BYTES = 64L * 1024 * 1024;
    public static final long DEFAULT_MAX_PENDING_BYTES = 32L * 1024 * 1024;

    public DeliveryLogConfig {
        Validation.notBlank("bootstrapServers", bootstrapServers);
        Validation.notBlank("nodeId", nodeId);
        Validation.notBlank("topic", topic);
        Validation.notBlank("retainedTopic", retainedTopic);
        Validation.notBlank("clientId", clientId);
        if (topic.equals(retainedTopic)) {
            throw new IllegalArgumentException("topic and retainedTopic must differ: both are '" + topic + "'");
        }
        Validation.atLeast("partitions", partitions, 1);
        Validation.atLeast("commitIntervalMs", commitIntervalMs, 1);
        Validation.atLeast("maxRetainedMessages", maxRetainedMessages, 0);
        Validation.atLeast("maxRetainedBytes", maxRetainedBytes, 0);
        Validation.atLeast("maxPendingBytes", maxPendingBytes, 1024);
        Validation.atLeast("lingerMs", lingerMs, 0);
        Validation.atLeast("requestTimeoutMs", requestTimeoutMs, 1);
        Validation.atLeast("maxBlockMs", maxBlockMs, 0);
        Validation.atLeast("startTimeoutMs", startTimeoutMs, 1);
        if (deliveryTimeoutMs < requestTimeoutMs + lingerMs) {
            throw new IllegalArgumentException("deliveryTimeoutMs " + deliveryTimeoutMs
                    + " must be at least requestTimeoutMs + lingerMs " + (requestTimeoutMs + lingerMs));
        }
        clientProperties = Validation.extraProperties(clientProperties, SessionLogConfig.RESERVED_PROPERTIES);
    }

    /** Defaults in line with the daemon's, for {@code nodeId} at {@code bootstrapServers}. */
    public static DeliveryLogConfig defaults(String bootstrapServers, String nodeId) {
        return new DeliveryLogConfig(bootstrapServers, nodeId, DEFAULT_TOPIC, DEFAULT_RETAINED_TOPIC,
                DEFAULT_PARTITIONS, DEFAULT_COMMIT_INTERVAL_MS, DEFAULT_MAX_RETAINED_MESSAGES,
                DEFAULT_MAX_RETAINED_BYTES, DEFAULT_MAX_PENDING_BYTES, 0, 120_000, 30_000, 60_000, 120_000,
                "sluice-delivery-" + nodeId, Map.of());
    }

    public DeliveryLogConfig withNodeId(String newNodeId) {
        return new DeliveryLogConfig(bootstrapServers, newNodeId, topic, retainedTopic, partitions, commitIntervalMs,
                maxRetainedMessages, maxRetainedBytes, maxPendingBytes, lingerMs, deliveryTimeoutMs, requestTimeoutMs,
                maxBlockMs, startTimeoutMs, "sluice-delivery-" + newNodeId, clientProperties);
    }

    public DeliveryLogConfig withTopics(String newTopic, String newRetainedTopic, int newPartitions) {
        return new DeliveryLogConfig(bootstrapServers, nodeId, newTopic, newRetainedTopic, newPartitions,
                commitIntervalMs, maxRetainedMessages, maxRetainedBytes, maxPendingBytes, lingerMs, deliveryTimeoutMs,
                requestTimeoutMs, maxBlockMs, startTimeoutMs, clientId, clientProperties);
    }

    public DeliveryLogConfig withCommitIntervalMs(int newCommitIntervalMs) {
        return new DeliveryLogConfig(bootstrapServers, nodeId, topic, retainedTopic, partitions, newCommitIntervalMs,
                maxRetainedMessages, maxRetainedBytes, maxPendingBytes, lingerMs, deliveryTimeoutMs, requestTimeoutMs,
                maxBlockMs, startTimeoutMs, clientId, clientProperties);
    }

    public DeliveryLogConfig withRetainedBounds(int newMaxRetainedMessages, long newMaxRetainedBytes) {
        return new DeliveryLogConfig(bootstrapServers, nodeId, topic, retainedTopic, partitions, commitIntervalMs,
                newMaxRetainedMessages, newMaxRetainedBytes, maxPendingBytes, lingerMs, deliveryTimeoutMs,
                requestTimeoutMs, maxBlockMs, startTimeoutMs, clientId, clientProperties);
    }

    /** Replaces all timeouts together, since they constrain each other. */
    public DeliveryLogConfig withTimeouts(int newDeliveryTimeoutMs, int newRequestTimeoutMs, int newMaxBlockMs,
                                          int newStartTimeoutMs) {
        return new DeliveryLogConfig(bootstrapServers, nodeId, topic, retainedTopic, partitions, commitIntervalMs,
                maxRetainedMessages, maxRetainedBytes, maxPendingBytes, lingerMs, newDeliveryTimeoutMs,
                newRequestTimeoutMs, newMaxBlockMs, newStartTimeoutMs, clientId, clientProperties);
    }

    public DeliveryLogConfig withMaxPendingBytes(long newMaxPendingBytes) {
        return new DeliveryLogConfig(bootstrapServers, nodeId, topic, retainedTopic, partitions, commitIntervalMs,
                maxRetainedMessages, maxRetainedBytes, newMaxPendingBytes, lingerMs, deliveryTimeoutMs,
                requestTimeoutMs, maxBlockMs, startTimeoutMs, clientId, clientProperties);
    }
}
