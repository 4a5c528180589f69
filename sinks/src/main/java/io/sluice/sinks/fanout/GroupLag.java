package io.sluice.sinks.fanout;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * The fan-out's lag as the group sees it: records of the readings topic past the group's committed offsets (past the
 * log start where the group has none, as the fan-out starts from the earliest record). Measured from Kafka alone, so
 * it is right whether members are running, restarting or all down, and it counts every partition, not only those a
 * member holds. Blocking, bounded by the timeout given; one call at a time.
 */
public final class GroupLag implements AutoCloseable {
    private final String topic;
    private final String groupId;
    private final Admin admin;

    public GroupLag(String bootstrapServers, String topic, String groupId, Map<String, String> clientProperties) {
        this.topic = topic;
        this.groupId = groupId;
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, groupId + "-lag");
        this.admin = Admin.create(p);
    }

    /** Records not yet committed by the group, or -1 when Kafka did not answer within {@code timeout}. */
    public long measure(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            List<TopicPartitionInfo> partitions = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(left(deadline), TimeUnit.NANOSECONDS).get(topic).partitions();
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                    .partitionsToOffsetAndMetadata().get(left(deadline), TimeUnit.NANOSECONDS);
            Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
            Map<TopicPartition, OffsetSpec> starts = new HashMap<>();
            for (TopicPartitionInfo info : partitions) {
                TopicPartition tp = new TopicPartition(topic, info.partition());
                ends.put(tp, OffsetSpec.latest());
                if (committed.get(tp) == null) {
                    starts.put(tp, OffsetSpec.earliest());
                }
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end = admin.listOffsets(ends).all()
                    .get(left(deadline), TimeUnit.NANOSECONDS);
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> start = starts.isEmpty() ? Map.of()
                    : admin.listOffsets(starts).all().get(left(deadline), TimeUnit.NANOSECONDS);
            long lag = 0;
            for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e : end.entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                long from = c != null ? c.offset() : start.get(e.getKey()).offset();
                lag += Math.max(0, e.getValue().offset() - from);
            }
            return lag;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        } catch (Exception e) {
            return -1;
        }
    }

    private static long left(long deadline) {
        return Math.max(1, deadline - System.nanoTime());
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
