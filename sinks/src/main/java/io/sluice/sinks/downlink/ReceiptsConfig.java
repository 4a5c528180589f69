package io.sluice.sinks.downlink;

import io.sluice.sinks.SessionLogConfig;
import io.sluice.sinks.Validation;
import java.util.Map;

/**
 * Settings of the downlink receipts writer ({@link KafkaReceipts}). Immutable and validated on construction.
 *
 * @param bootstrapServers  comma separated host:port list
 * @param topic             the receipts topic (docs/RECORDS.md, "Receipt records")
 * @param maxPendingBytes   bytes of receipts waiting for Kafka's acknowledgement at most (also the producer's
 *                          buffer.memory); a receipt beyond it is not taken and its position stays unfinished
 * @param lingerMs          {@code linger.ms} of the producer
 * @param deliveryTimeoutMs {@code delivery.timeout.ms}; a send that fails is tried again after a backoff
 * @param requestTimeoutMs  {@code request.timeout.ms}
 * @param maxBlockMs        {@code max.block.ms} (blocks only the writer's own thread)
 * @param clientId          {@code client.id} of the producer
 * @param clientProperties  extra properties (security, ...) given to the producer
 */
public record ReceiptsConfig(String bootstrapServers, String topic, long maxPendingBytes, int lingerMs,
                             int deliveryTimeoutMs, int requestTimeoutMs, int maxBlockMs, String clientId,
                             Map<String, String> clientProperties) {
    public static final long DEFAULT_MAX_PENDING_BYTES = 8L * 1024 * 1024;

    public ReceiptsConfig {
        Validation.notBlank("bootstrapServers", bootstrapServers);
        Validation.notBlank("topic", topic);
        Validation.notBlank("clientId", clientId);
        Validation.atLeast("maxPendingBytes", maxPendingBytes, 1024);
        Validation.atLeast("lingerMs", lingerMs, 0);
        Validation.atLeast("deliveryTimeoutMs", deliveryTimeoutMs, 1);
        Validation.atLeast("requestTimeoutMs", requestTimeoutMs, 1);
        Validation.atLeast("maxBlockMs", maxBlockMs, 0);
        clientProperties = Validation.extraProperties(clientProperties, SessionLogConfig.RESERVED_PROPERTIES);
    }
}
