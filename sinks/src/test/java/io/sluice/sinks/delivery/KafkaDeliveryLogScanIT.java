package io.sluice.sinks.delivery;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.delivery.HandedMessage;
import io.sluice.delivery.Message;
import io.sluice.delivery.ScannedMessage;
import io.sluice.ingest.Delivery;
import io.sluice.ingest.Outcome;
import io.sluice.sinks.delivery.internal.Partitions;
import io.sluice.sinks.kafka.KafkaTopics;
import io.sluice.sinks.kafka.TestKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A recovery scan of another node's delivery partition on a real broker (docs/DELIVERY.md, "Node death"): from that
 * node's committed position to the end, its records only, markers left out, nothing committed for it.
 */
class KafkaDeliveryLogScanIT {
    private static final Duration AWAIT = Duration.ofSeconds(60);
    private static final int PARTITIONS = 4;

    private String topic;
    private String retainedTopic;
    private final List<KafkaDeliveryLog> opened = new ArrayList<>();

    @BeforeEach
    void createTopics() {
        String id = UUID.randomUUID().toString();
        topic = "delivery-" + id;
        retainedTopic = "retained-" + id;
        try (var topics = new KafkaTopics(TestKafka.bootstrap(), Map.of(), Duration.ofSeconds(30))) {
            topics.ensureDeliveryTopic(topic, PARTITIONS, 1, 1);
            topics.ensureRetainedTopic(retainedTopic, 2, 1, 1);
        }
    }

    @AfterEach
    void closeAll() {
        opened.forEach(KafkaDeliveryLog::close);
    }

    private KafkaDeliveryLog open(String node) {
        var log = new KafkaDeliveryLog(DeliveryLogConfig.defaults(TestKafka.bootstrap(), node)
                .withTopics(topic, retainedTopic, PARTITIONS).withCommitIntervalMs(100)
                .withTimeouts(30_000, 10_000, 10_000, 30_000));
        opened.add(log);
        return log;
    }

    private static Message message(String payload) {
        return new Message("plant/cmd", payload.getBytes(UTF_8), 1, false, "pub", 1_700_000_000_000L, 0, -1, null,
                null, null, List.of());
    }

    private static <T> T done(CompletionStage<T> stage) {
        CompletableFuture<T> f = stage.toCompletableFuture();
        await().atMost(AWAIT).until(f::isDone);
        return f.join();
    }

    /** A node id that Kafka's key hash puts in {@code node}'s partition. */
    private static String sharingWith(String node) {
        for (int i = 0; i < 1_000; i++) {
            String other = "other-" + i;
            if (Partitions.of(other, PARTITIONS) == Partitions.of(node, PARTITIONS)) {
                return other;
            }
        }
        throw new AssertionError("no node id shares a partition with " + node);
    }

    @Test
    void aScan_readsTheDeadNodesPartitionFromItsCommittedPositionToItsEnd_itsRecordsOnly_andCommitsNothingForIt()
            throws Exception {
        var listener = new RecordingListener();
        var dead = open("node-dead");
        dead.start(listener);
        var other = open("node-c");
        for (int i = 0; i < 5; i++) {
            assertEquals(Delivery.DELIVERED, done(dead.append(message("m-" + i), List.of("node-dead"))));
        }
        await().atMost(AWAIT).until(() -> listener.messages().size() == 5);
        long third = listener.messages().get(2).position();
        dead.commit(third); // m-0 and m-1 finished
        await().atMost(AWAIT).until(() -> dead.stats().committed() == third);
        // a session that moved to node-dead earlier: handed over to it, then the marker
        assertEquals(Delivery.DELIVERED, done(other.handOver("node-dead", "dev-x", List.of(
                new HandedMessage(message("h-0"), true), new HandedMessage(message("h-1"), false)))));
        assertEquals(Delivery.DELIVERED, done(other.append(message("not-its"), List.of(sharingWith("node-dead")))));
        assertEquals(Delivery.DELIVERED, done(dead.append(message("m-5"), List.of("node-dead"))));
        dead.close(); // it stops; its stored position stays at m-2 (m-2 onwards were never finished)

        List<ScannedMessage> got = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        var scanner = open("node-b");
        io.sluice.delivery.ScanResult result = done(scanner.scan("node-dead", -1, m -> {
            got.add(m);
            threads.add(Thread.currentThread().getName());
        }));

        assertEquals(Delivery.DELIVERED, result.outcome());
        assertEquals(List.of("m-2", "m-3", "m-4", "h-0", "h-1", "m-5"),
                got.stream().map(m -> new String(m.message().payload(), UTF_8)).toList(),
                "from the committed position, in order, without the marker or the other node's record");
        assertEquals(List.of("-", "-", "-", "dev-x inflight", "dev-x", "-"), got.stream()
                .map(m -> m.forClient() == null ? "-" : m.forClient() + (m.inflight() ? " inflight" : "")).toList());
        assertTrue(threads.stream().allMatch("sluice-delivery-recovery"::equals), threads::toString);

        // a record another node writes there afterwards (it had not read where a session went): a later scan from
        // where this one ended reads that record alone
        assertEquals(Delivery.DELIVERED, done(other.append(message("late-0"), List.of("node-dead"))));
        List<ScannedMessage> late = new CopyOnWriteArrayList<>();
        io.sluice.delivery.ScanResult again = done(scanner.scan("node-dead", result.end(), late::add));
        assertEquals(Delivery.DELIVERED, again.outcome());
        assertEquals(List.of("late-0"), late.stream().map(m -> new String(m.message().payload(), UTF_8)).toList(),
                "only what was written after the first scan's end");
        assertTrue(again.end() > result.end(), "it read past the first end: " + again + " after " + result);

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrap()))) {
            Map<TopicPartition, OffsetAndMetadata> stored = admin.listConsumerGroupOffsets("sluice.delivery.node-dead")
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            assertEquals(third, stored.get(new TopicPartition(topic, Partitions.of("node-dead", PARTITIONS))).offset(),
                    "the scan committed nothing for the dead node");
        }
    }

    @Test
    void aScanOfANodeThatNeverCommitted_completesRejected_namingIt() {
        Delivery outcome = done(open("node-b").scan("node-never-started", -1, m -> {
            throw new AssertionError("nothing to read: " + m);
        })).outcome();
        assertEquals(Outcome.REJECTED, outcome.outcome());
        assertTrue(outcome.reason().contains("'node-never-started' has no committed position"), outcome.reason());
    }

    @Test
    void aScanAfterTheLogClosed_completesRetryable() {
        var log = open("node-b");
        log.close();
        Delivery outcome = done(log.scan("node-dead", -1, m -> { })).outcome();
        assertEquals(Outcome.RETRYABLE, outcome.outcome());
    }

    @Test
    void aNodeThatClosesItsLog_saysItStopped_untilItStartsAgain() {
        var node = open("node-s");
        node.start(new RecordingListener());
        var asker = open("node-b");
        assertFalse(done(asker.stoppedGracefully("node-s")), "running");
        node.close();
        assertTrue(done(asker.stoppedGracefully("node-s")), "stopped gracefully");
        open("node-s").start(new RecordingListener());
        assertFalse(done(asker.stoppedGracefully("node-s")), "running again");
        assertFalse(done(asker.stoppedGracefully("node-never-started")));
    }
}
