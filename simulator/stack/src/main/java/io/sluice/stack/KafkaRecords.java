package io.sluice.stack;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads what a topic holds, for assertions and audits. */
public final class KafkaRecords {
    private KafkaRecords() {
    }

    /**
     * Every committed record of {@code topic} (read_committed, as the fan-out reads) from the beginning to the end
     * offsets at call time (all partitions, no consumer group). Blocking; throws when the end is not reached within {@code timeout}.
     */
    public static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic, Duration timeout) {
        return readAll(bootstrap, Map.of(), topic, timeout);
    }

    /**
     * As {@link #readAll(String, String, Duration)}, once every transaction open on the topic at call time has its
     * markers written. A transactional producer's commit returns before the broker writes the commit markers, so
     * right after a client was told its write is durable (QoS 2 PUBREC/PUBCOMP) a read_committed read may not see
     * it yet; this waits until each partition's committed end (last stable offset) reaches its end at call time.
     */
    public static List<ConsumerRecord<String, byte[]>> readAllSettled(String bootstrap, String topic,
                                                                      Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, byte[]> uncommitted = consumer(bootstrap, "read_uncommitted");
             KafkaConsumer<String, byte[]> committed = consumer(bootstrap, "read_committed")) {
            List<TopicPartition> partitions = uncommitted.partitionsFor(topic, timeout).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            Map<TopicPartition, Long> end = uncommitted.endOffsets(partitions, timeout);
            while (true) {
                Map<TopicPartition, Long> stable = committed.endOffsets(partitions, timeout);
                if (end.entrySet().stream().allMatch(e -> stable.get(e.getKey()) >= e.getValue())) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("a transaction on " + topic + " stayed open for " + timeout
                            + ": last stable offsets " + stable + ", ends " + end);
                }
                Thread.onSpinWait();
            }
        }
        return readAll(bootstrap, topic, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
    }

    private static KafkaConsumer<String, byte[]> consumer(String bootstrap, String isolation) {
        Properties p = new Properties();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** As {@link #readAll(String, String, Duration)}, with client properties (security) for the consumer. */
    public static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, Map<String, String> clientProperties,
                                                              String topic, Duration timeout) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        forEach(bootstrap, clientProperties, topic, timeout, out::add);
        return out;
    }

    /**
     * Streams every record of {@code topic}, from the beginning to the end offsets at call time, to {@code action}
     * without holding them (for audits of millions of records). Blocking; throws when the end is not reached
     * within {@code timeout}.
     */
    public static void forEach(String bootstrap, String topic, Duration timeout,
                               java.util.function.Consumer<ConsumerRecord<String, byte[]>> action) {
        forEach(bootstrap, Map.of(), topic, timeout, action);
    }

    /** As {@link #forEach(String, String, Duration, java.util.function.Consumer)}, with client properties. */
    public static void forEach(String bootstrap, Map<String, String> clientProperties, String topic, Duration timeout,
                               java.util.function.Consumer<ConsumerRecord<String, byte[]>> action) {
        Properties p = new Properties();
        // what the fan-out reads: records of aborted transactions (a QoS 2 write that failed) never count
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.putAll(clientProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        try (KafkaConsumer<String, byte[]> consumer =
                     new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!atEnd(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end within " + timeout);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                        action.accept(r);
                    }
                }
            }
        }
    }

    private static boolean atEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
