package io.sluice.sinks;

import java.util.Map;

/**
 * What Kafka reports about one topic.
 *
 * @param name              topic name
 * @param partitions        number of partitions
 * @param replicationFactor the smallest replica count over all partitions (the weakest partition is what counts)
 * @param configs           effective topic configs (explicit and inherited defaults), by name
 */
public record TopicInfo(String name, int partitions, int replicationFactor, Map<String, String> configs) {
    public TopicInfo {
        configs = Map.copyOf(configs);
    }
}
