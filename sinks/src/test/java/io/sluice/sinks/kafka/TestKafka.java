package io.sluice.sinks.kafka;

import io.sluice.stack.KafkaCluster;
import io.sluice.stack.KafkaRecords;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The real single-broker cluster shared by this module's integration tests that never stop it (the stack's
 * {@link KafkaCluster#shared()}), and shortcuts for setting up and reading topics on it.
 */
public final class TestKafka {
    private TestKafka() {
    }

    public static String bootstrap() {
        return KafkaCluster.shared().bootstrapServers();
    }

    /** Creates a topic with replication factor 1 and the given configs, bypassing Sluice's own checks. */
    public static void createTopic(String topic, int partitions, Map<String, String> configs) {
        try {
            KafkaCluster.shared().admin()
                    .createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create test topic " + topic, e);
        }
    }

    public static List<ConsumerRecord<String, byte[]>> readAll(String topic, Duration timeout) {
        return KafkaRecords.readAll(bootstrap(), topic, timeout);
    }

    /**
     * As {@link #readAll}, once the transactions open on the topic have their markers: a committed transaction's
     * records become readable to read_committed consumers only when its markers are written, a moment after the
     * commit returns.
     */
    public static List<ConsumerRecord<String, byte[]>> readAllSettled(String topic, Duration timeout) {
        return KafkaRecords.readAllSettled(bootstrap(), topic, timeout);
    }
}
