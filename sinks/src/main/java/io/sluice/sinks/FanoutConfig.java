package io.sluice.sinks;

import java.util.List;
import java.util.Map;

/**
 * Settings of the fan-out from the readings log to an InfluxDB-compatible TSDB ({@code KafkaFanout}). Immutable and
 * validated on construction: an invalid value throws {@link IllegalArgumentException} naming field, value and rule.
 *
 * <p>Memory: at most three batches' worth of records per member ({@code batchMaxPoints}, {@code batchMaxBytes}: up to
 * a batch of records held for time order, the batch being made, the batch with the writer thread) plus the
 * consumer's fetch buffers; while the TSDB is unavailable the consumer pauses its partitions and the
 * writer keeps its batch for retry, so memory stays bounded while lag grows in Kafka.
 *
 * @param bootstrapServers   Kafka bootstrap servers
 * @param topic              the readings topic ({@link LogConfig#DEFAULT_TOPIC})
 * @param groupId            consumer group; fan-out instances with the same id share the partitions
 * @param deadLetterTopic    where points the TSDB can never take go ({@link #DEFAULT_DEAD_LETTER_TOPIC})
 * @param unmatchedToDeadLetter a record no rule matches: dead-lettered when true, counted and skipped when false
 * @param influxUrl          e.g. {@code http://127.0.0.1:8086}
 * @param influxOrg          InfluxDB 2 organisation (ignored by servers without orgs)
 * @param influxBucket       bucket / database
 * @param influxToken        API token; empty for none
 * @param batchMaxPoints     flush when a batch has this many points
 * @param batchMaxBytes      flush when a batch has this many bytes of line protocol
 * @param lingerMs           flush when the first point of a batch has waited this long
 * @param writeTimeoutMs     HTTP connect/read/write timeout of one write request
 * @param retryInitialMs     first backoff after the TSDB was unavailable
 * @param retryMaxMs         cap of the exponential backoff (Retry-After may exceed it)
 * @param rules              mapping rules, first match wins; at least one
 * @param consumerProperties extra Kafka consumer properties (security, fetch sizes); never null
 * @param producerProperties extra Kafka producer properties of the dead-letter producer (security, and a
 *                           {@code max.request.size} that admits the largest reading with its headers); never null
 * @param influxV1           null: write through the InfluxDB v2 write API ({@code influxOrg}, {@code influxBucket},
 *                           {@code influxToken}); else through InfluxDB 1.x's v1 write API with these settings
 *                           ({@code influxOrg}, {@code influxBucket} and {@code influxToken} unused)
 */
public record FanoutConfig(
        String bootstrapServers,
        String topic,
        String groupId,
        String deadLetterTopic,
        boolean unmatchedToDeadLetter,
        String influxUrl,
        String influxOrg,
        String influxBucket,
        String influxToken,
        int batchMaxPoints,
        long batchMaxBytes,
        long lingerMs,
        long writeTimeoutMs,
        long retryInitialMs,
        long retryMaxMs,
        List<MappingRule> rules,
        Map<String, String> consumerProperties,
        Map<String, String> producerProperties,
        InfluxV1 influxV1) {

    /**
     * Where the InfluxDB 1.x write API ({@code /write?db=&rp=}) puts the points, and who writes them.
     *
     * @param database        the database ({@code db})
     * @param retentionPolicy the retention policy ({@code rp}); empty for the database's default
     * @param username        empty for no authentication
     * @param password        the user's password (read from a file by the daemon); empty without a username
     */
    public record InfluxV1(String database, String retentionPolicy, String username, String password) {
        public InfluxV1 {
            Validation.notBlank("database", database);
            retentionPolicy = retentionPolicy == null ? "" : retentionPolicy;
            username = username == null ? "" : username;
            password = password == null ? "" : password;
        }

        /** No password in logs or status. */
        @Override
        public String toString() {
            return "InfluxV1[database=" + database + ", retentionPolicy=" + retentionPolicy + ", username=" + username
                    + "]";
        }
    }

    public static final String DEFAULT_DEAD_LETTER_TOPIC = "sluice.deadletter";
    public static final String DEFAULT_GROUP_ID = "sluice-fanout";

    public FanoutConfig {
        Validation.notBlank("bootstrapServers", bootstrapServers);
        Validation.notBlank("topic", topic);
        Validation.notBlank("groupId", groupId);
        Validation.notBlank("deadLetterTopic", deadLetterTopic);
        Validation.notBlank("influxUrl", influxUrl);
        Validation.notBlank("influxOrg", influxOrg);
        Validation.notBlank("influxBucket", influxBucket);
        influxToken = influxToken == null ? "" : influxToken;
        Validation.atLeast("batchMaxPoints", batchMaxPoints, 1);
        Validation.atLeast("batchMaxBytes", batchMaxBytes, 1);
        Validation.atLeast("lingerMs", lingerMs, 0);
        Validation.atLeast("writeTimeoutMs", writeTimeoutMs, 1);
        Validation.atLeast("retryInitialMs", retryInitialMs, 1);
        Validation.atLeast("retryMaxMs", retryMaxMs, retryInitialMs);
        if (rules == null || rules.isEmpty()) {
            throw new IllegalArgumentException("rules: at least one mapping rule is required");
        }
        rules = List.copyOf(rules);
        consumerProperties = consumerProperties == null ? Map.of() : Map.copyOf(consumerProperties);
        producerProperties = producerProperties == null ? Map.of() : Map.copyOf(producerProperties);
        if (topic.equals(deadLetterTopic)) {
            throw new IllegalArgumentException("deadLetterTopic must differ from topic: '" + topic + "'");
        }
    }

    /** Defaults for everything but where to read, where to write and how to map. */
    public static FanoutConfig of(String bootstrapServers, String topic, String influxUrl, String bucket,
                                  List<MappingRule> rules) {
        return new FanoutConfig(bootstrapServers, topic, DEFAULT_GROUP_ID, DEFAULT_DEAD_LETTER_TOPIC, true,
                influxUrl, "sluice", bucket, "", 5000, 1 << 20, 200, 10_000, 100, 30_000, rules, Map.of(),
                Map.of(), null);
    }

    public FanoutConfig withGroupAndDeadLetter(String group, String deadLetter) {
        return new FanoutConfig(bootstrapServers, topic, group, deadLetter, unmatchedToDeadLetter, influxUrl,
                influxOrg, influxBucket, influxToken, batchMaxPoints, batchMaxBytes, lingerMs, writeTimeoutMs,
                retryInitialMs, retryMaxMs, rules, consumerProperties, producerProperties, influxV1);
    }

    public FanoutConfig withBatch(int maxPoints, long lingerMillis) {
        return new FanoutConfig(bootstrapServers, topic, groupId, deadLetterTopic, unmatchedToDeadLetter, influxUrl,
                influxOrg, influxBucket, influxToken, maxPoints, batchMaxBytes, lingerMillis, writeTimeoutMs,
                retryInitialMs, retryMaxMs, rules, consumerProperties, producerProperties, influxV1);
    }

    public FanoutConfig withConsumerProperties(Map<String, String> properties) {
        return new FanoutConfig(bootstrapServers, topic, groupId, deadLetterTopic, unmatchedToDeadLetter, influxUrl,
                influxOrg, influxBucket, influxToken, batchMaxPoints, batchMaxBytes, lingerMs, writeTimeoutMs,
                retryInitialMs, retryMaxMs, rules, properties, producerProperties, influxV1);
    }

    public FanoutConfig withProducerProperties(Map<String, String> properties) {
        return new FanoutConfig(bootstrapServers, topic, groupId, deadLetterTopic, unmatchedToDeadLetter, influxUrl,
                influxOrg, influxBucket, influxToken, batchMaxPoints, batchMaxBytes, lingerMs, writeTimeoutMs,
                retryInitialMs, retryMaxMs, rules, consumerProperties, properties, influxV1);
    }

    /** The same settings writing to InfluxDB 1.x through its v1 write API into {@code v1}'s database. */
    public FanoutConfig withInfluxV1(InfluxV1 v1) {
        return new FanoutConfig(bootstrapServers, topic, groupId, deadLetterTopic, unmatchedToDeadLetter, influxUrl,
                influxOrg, influxBucket, influxToken, batchMaxPoints, batchMaxBytes, lingerMs, writeTimeoutMs,
                retryInitialMs, retryMaxMs, rules, consumerProperties, producerProperties, v1);
    }

    /** What the fan-out writes to, for logs and status: the URL with bucket, or database and retention policy. */
    public String target() {
        return influxV1 == null ? influxUrl + " bucket " + influxBucket
                : influxUrl + " database " + influxV1.database()
                + (influxV1.retentionPolicy().isEmpty() ? "" : " retention policy " + influxV1.retentionPolicy())
                + " (InfluxDB 1.x API)";
    }
}
