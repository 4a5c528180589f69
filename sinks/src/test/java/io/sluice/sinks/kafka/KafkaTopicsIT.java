package io.sluice.sinks.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sinks.ClusterHealth;
import io.sluice.sinks.TopicCheck;
import io.sluice.sinks.TopicCheck.Difference;
import io.sluice.sinks.TopicException;
import io.sluice.sinks.TopicInfo;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Creating and checking Sluice's topics on a real (single-broker) cluster. */
class KafkaTopicsIT {
    private KafkaTopics topics;

    @BeforeEach
    void open() {
        topics = new KafkaTopics(TestKafka.bootstrap(), Map.of(), Duration.ofSeconds(30));
    }

    @AfterEach
    void close() {
        topics.close();
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    @Test
    void ensureReadingsTopic_createsItOnce_andThenFindsItAsExpected() {
        String name = unique("readings");

        TopicCheck first = topics.ensureReadingsTopic(name, 4, 1, 1);
        TopicCheck second = topics.ensureReadingsTopic(name, 4, 1, 1);

        assertTrue(first.created());
        assertTrue(first.matches());
        assertFalse(second.created());
        assertTrue(second.matches(), second.describe());
        TopicInfo info = topics.describe(name).orElseThrow();
        assertEquals(4, info.partitions());
        assertEquals(1, info.replicationFactor());
        assertEquals("delete", info.configs().get("cleanup.policy"));
        assertEquals("1", info.configs().get("min.insync.replicas"));
    }

    @Test
    void ensureReadingsTopic_reportsEveryDifference_ofAnExistingTopic_andAltersNothing() {
        String name = unique("readings");
        topics.ensureReadingsTopic(name, 2, 1, 1);

        // asked for what production asks: more partitions, three replicas, two in sync
        TopicCheck check = topics.ensureReadingsTopic(name, 12, 3, 2);

        assertFalse(check.created());
        assertFalse(check.matches());
        assertEquals(List.of(
                new Difference("partitions", "12", "2"),
                new Difference("replication.factor", "3", "1"),
                new Difference("min.insync.replicas", "2", "1")), check.differences());
        assertTrue(check.describe().contains("replication.factor is 1, expected 3"), check.describe());
        assertEquals(2, topics.describe(name).orElseThrow().partitions());
    }

    @Test
    void ensureSessionsTopic_isCompacted_andAReadingsCheckOfIt_reportsTheCleanupPolicy() {
        String name = unique("sessions");

        assertTrue(topics.ensureSessionsTopic(name, 1, 1, 1).created());
        assertTrue(topics.ensureSessionsTopic(name, 1, 1, 1).matches());
        TopicCheck asReadings = topics.ensureReadingsTopic(name, 1, 1, 1);

        assertEquals("compact", topics.describe(name).orElseThrow().configs().get("cleanup.policy"));
        assertEquals(List.of(new Difference("cleanup.policy", "delete", "compact")), asReadings.differences());
    }

    @Test
    void ensureReadingsTopic_withMoreReplicasThanBrokers_failsNamingTheTopic() {
        String name = unique("readings");

        var e = assertThrows(TopicException.class, () -> topics.ensureReadingsTopic(name, 1, 3, 2));

        assertEquals(name, e.topic());
        assertTrue(e.getMessage().contains(name) && e.getMessage().contains("replication"), e.getMessage());
        assertTrue(topics.describe(name).isEmpty());
    }

    @Test
    void ensure_refusesMinInsyncReplicasAboveTheReplicationFactor_beforeAskingKafka() {
        var e = assertThrows(IllegalArgumentException.class, () -> topics.ensureReadingsTopic("r", 1, 1, 2));
        assertTrue(e.getMessage().contains("min.insync.replicas 2"), e.getMessage());
    }

    @Test
    void describe_ofAMissingTopic_isEmpty() {
        assertTrue(topics.describe(unique("missing")).isEmpty());
    }

    @Test
    void health_reportsTheClusterIdAndBrokerCount() {
        ClusterHealth health = topics.health(Duration.ofSeconds(10));

        assertTrue(health.healthy(), health.error());
        assertEquals(1, health.brokerCount());
        assertFalse(health.clusterId().isBlank());
    }

    @Test
    void health_ofAnUnreachableCluster_isAClearError_notAnException() throws IOException {
        int port;
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (var nowhere = new KafkaTopics("127.0.0.1:" + port, Map.of(), Duration.ofSeconds(2))) {
            ClusterHealth health = nowhere.health(Duration.ofSeconds(2));

            assertFalse(health.healthy());
            assertEquals(0, health.brokerCount());
            assertTrue(health.error().contains("127.0.0.1:" + port), health.error());
        }
    }
}
