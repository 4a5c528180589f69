package io.sluice.sinks.downlink;

import io.sluice.sinks.SessionLogConfig;
import io.sluice.sinks.Validation;
import java.util.Map;

/**
 * Settings of the Kafka downlink ({@link KafkaDownlink}): the topic backends write messages for MQTT subscribers to,
 * the consumer group the nodes share its partitions through, and the bounds of what one node holds. Immutable and
 * validated on construction.
 *
 * @param bootstrapServers   comma separated host:port list
 * @param topic              the downlink topic (docs/RECORDS.md, "Downlink records")
 * @param group              the consumer group; every node with this group shares the topic's partitions
 * @param maxPendingRecords  records read and not yet durable (or counted undecodable/refused) at most; beyond it the
 *                           consumer pauses its partitions until the count drops
 * @param maxPendingBytes    bytes (keys, values and headers) of those records at most: a record that would pass it
 *                           waits, read again once it fits; the partitions pause while it is reached; a record
 *                           larger than it is taken alone, when nothing else is pending
 * @param commitIntervalMs   how often finished offsets are committed at most (and at close, and on rebalance)
 * @param requestTimeoutMs   {@code request.timeout.ms} of the consumer; also the bound of a synchronous commit
 * @param clientId           {@code client.id} of the consumer
 * @param clientProperties   extra properties (security, ...) given to the consumer
 */
public record DownlinkConfig(String bootstrapServers, String topic, String group, int maxPendingRecords,
                             long maxPendingBytes, int commitIntervalMs, int requestTimeoutMs, String clientId,
                             Map<String, String> clientProperties) {

    public static final String DEFAULT_TOPIC = "sluice.downlink";
    public static final String DEFAULT_GROUP = "sluice.downlink";
    public static final int DEFAULT_MAX_PENDING_RECORDS = 10_000;
    public static final long DEFAULT_MAX_PENDING_BYTES = 32L * 1024 * 1024;
    public static final int DEFAULT_COMMIT_INTERVAL_MS = 1_000;

    public DownlinkConfig {
        Validation.notBlank("bootstrapServers", bootstrapServers);
        Validation.notBlank("topic", topic);
        Validation.notBlank("group", group);
        Validation.notBlank("clientId", clientId);
        Validation.atLeast("maxPendingRecords", maxPendingRecords, 1);
        Validation.atLeast("maxPendingBytes", maxPendingBytes, 1);
        Validation.atLeast("commitIntervalMs", commitIntervalMs, 1);
        Validation.atLeast("requestTimeoutMs", requestTimeoutMs, 1);
        clientProperties = Validation.extraProperties(clientProperties, SessionLogConfig.RESERVED_PROPERTIES);
    }

    /** Defaults in line with the daemon's, at {@code bootstrapServers}. */
    public static DownlinkConfig defaults(String bootstrapServers) {
        return new DownlinkConfig(bootstrapServers, DEFAULT_TOPIC, DEFAULT_GROUP, DEFAULT_MAX_PENDING_RECORDS,
                DEFAULT_MAX_PENDING_BYTES, DEFAULT_COMMIT_INTERVAL_MS, 30_000, "sluice-downlink", Map.of());
    }
}
