package io.sluice.sim.bench;

import io.sluice.stack.KafkaCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * Counts what a topic holds (sum of its partitions' end offsets; exact for the non-transactional writes here) and
 * waits until it holds a number: for a bridge that acknowledges before Kafka has the record, how long Kafka lags
 * behind the acknowledgements. Blocking; uses the cluster's admin client.
 */
final class KafkaTopicCount {
    private final KafkaCluster kafka;
    private final Map<TopicPartition, OffsetSpec> latest;

    /** The topic must exist; its partitions are read once, here. */
    KafkaTopicCount(KafkaCluster kafka, String topic) throws Exception {
        this.kafka = kafka;
        this.latest = kafka.admin().describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                .get(topic).partitions().stream()
                .collect(Collectors.toMap(p -> new TopicPartition(topic, p.partition()), p -> OffsetSpec.latest()));
    }

    /**
     * Seconds until the topic held at least {@code expected} records, or -1 after {@code timeout}. Measured to the
     * start of the first check that saw them, so the admin call's own latency is not counted (0 when the first
     * check did).
     */
    double awaitAtLeast(long expected, Duration timeout) throws Exception {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (true) {
            long checkStart = System.nanoTime();
            long records = kafka.admin().listOffsets(latest).all().get(30, TimeUnit.SECONDS).values().stream()
                    .mapToLong(ListOffsetsResultInfo::offset).sum();
            if (records >= expected) {
                return (checkStart - start) / 1e9;
            }
            if (System.nanoTime() > deadline) {
                return -1;
            }
            Thread.sleep(20); // poll interval: fine enough for lags worth reporting, light on the broker
        }
    }
}
