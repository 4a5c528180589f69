package io.sluice.sim.bench;

import io.sluice.sinks.LogConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The producer settings Sluice writes readings with, from its shipped defaults ({@link LogConfig#defaults}, the
 * same values as the daemon's config schema) plus what {@code KafkaLog} fixes: acks=all, idempotence, lz4. Every
 * Kafka-writing peer of the QoS 1 benchmark uses exactly these, so the comparison is about the path, not the
 * producer tuning.
 */
final class SluiceProducerSettings {
    private SluiceProducerSettings() {
    }

    static Map<String, String> of(String bootstrap) {
        LogConfig c = LogConfig.defaults(bootstrap);
        Map<String, String> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("compression.type", "lz4");
        p.put("linger.ms", Integer.toString(c.lingerMs()));
        p.put("batch.size", Integer.toString(c.batchSizeBytes()));
        p.put("buffer.memory", Long.toString(c.bufferMemoryBytes()));
        p.put("delivery.timeout.ms", Integer.toString(c.deliveryTimeoutMs()));
        p.put("request.timeout.ms", Integer.toString(c.requestTimeoutMs()));
        p.put("max.block.ms", Integer.toString(c.maxBlockMs()));
        return p;
    }
}
