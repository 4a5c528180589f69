package io.sluice.sinks.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sinks.SessionLogConfig;
import io.sluice.stack.KafkaCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The session log while its only broker is down (killed): connect/disconnect churn queues one write per client id,
 * the queue stays within its byte bound (writes beyond it fail at once instead of waiting), and when Kafka is
 * back every accepted write lands, the latest state of each client id last. Runs on a cluster of its own.
 */
class KafkaSessionLogOutageIT {
    private static final Duration AWAIT = Duration.ofSeconds(90);
    private static KafkaCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = KafkaCluster.start(1);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Test
    void aFollower_keepsFollowingThroughAnOutage_andHandsOnWhatIsWrittenOnceKafkaIsBack() {
        String topic = "sessions-follow-outage-" + UUID.randomUUID();
        try (var topics = new KafkaTopics(cluster.bootstrapServers(), Map.of(), Duration.ofSeconds(30))) {
            topics.ensureSessionsTopic(topic, 3, 1, 1);
        }
        var config = SessionLogConfig.defaults(cluster.bootstrapServers()).withTopic(topic)
                .withTimeouts(120_000, 2_000, 60_000, 30_000);
        try (var follower = new KafkaSessionLog(config, "n1"); var writer = new KafkaSessionLog(config, "n2")) {
            follower.loadAll();
            var seen = java.util.Collections.synchronizedList(new ArrayList<String>());
            follower.follow((key, value, node) -> seen.add(key + "@" + node));
            CompletableFuture<Void> first = writer.put("before", new byte[] {1});
            await().atMost(AWAIT).until(() -> seen.contains("before@n2"));

            cluster.stopBroker(0);
            long polls = follower.followerPolls();
            // the follower goes on polling while the broker is down (dozens of polls, several seconds)
            await().atMost(AWAIT).until(() -> follower.followerPolls() >= polls + 20);
            CompletableFuture<Void> during = writer.put("during", new byte[] {2});
            cluster.startBroker(0);

            await().atMost(AWAIT).until(() -> seen.contains("during@n2"));
            assertTrue(first.isDone() && during.isDone() && !during.isCompletedExceptionally());
            assertEquals(List.of("before@n2", "during@n2"), List.copyOf(seen));
        }
    }

    @Test
    void churnDuringAnOutage_queuesTheLatestStatePerClientId_withinItsBound_andLandsWhenKafkaReturns() {
        String topic = "sessions-outage-" + UUID.randomUUID();
        try (var topics = new KafkaTopics(cluster.bootstrapServers(), Map.of(), Duration.ofSeconds(30))) {
            topics.ensureSessionsTopic(topic, 3, 1, 1);
        }
        long bound = 32 * 1024;
        // max.block.ms and delivery.timeout.ms outlast the outage, as they must for writes to survive it
        Map<String, String> expected = new TreeMap<>();
        var config = SessionLogConfig.defaults(cluster.bootstrapServers()).withTopic(topic)
                .withTimeouts(120_000, 2_000, 60_000, 30_000).withMaxQueuedBytes(bound);
        // the node (re)starts while Kafka is down: its first send waits for metadata, and everything after it queues
        cluster.stopBroker(0);
        try (var log = new KafkaSessionLog(config)) {
            List<CompletableFuture<Void>> accepted = new ArrayList<>();
            for (int i = 0; i < 5_000; i++) { // 50 clients connecting and disconnecting, 100 times each
                String key = "client-" + (i % 50);
                String value = (i / 50 % 2 == 0 ? "connected-" : "disconnected-") + i;
                accepted.add(log.put(key, value.getBytes(UTF_8)));
                expected.put(key, value);
            }
            assertTrue(log.queuedWrites() <= 50, "queued " + log.queuedWrites());
            assertTrue(log.coalescedCount() >= 5_000 - 51, "coalesced " + log.coalescedCount());
            int refused = 0;
            for (int i = 0; i < 500; i++) { // then strangers, each asking for a session of its own
                String key = "stranger-" + i;
                CompletableFuture<Void> f = log.put(key, new byte[512]);
                if (f.isCompletedExceptionally()) {
                    refused++;
                } else {
                    accepted.add(f);
                    expected.put(key, new String(new byte[512], UTF_8));
                }
            }
            assertTrue(refused > 0, "the bound refused some strangers");
            assertTrue(log.queuedBytes() <= bound, "queued " + log.queuedBytes() + " bytes, bound " + bound);
            assertTrue(accepted.stream().noneMatch(CompletableFuture::isDone), "nothing is durable while Kafka is down");

            cluster.startBroker(0);
            await().atMost(AWAIT).until(() -> accepted.stream().allMatch(CompletableFuture::isDone));
            assertEquals(List.of(), accepted.stream().filter(CompletableFuture::isCompletedExceptionally)
                    .map(f -> f.exceptionNow().toString()).limit(3).toList());
        }
        try (var fresh = new KafkaSessionLog(SessionLogConfig.defaults(cluster.bootstrapServers()).withTopic(topic)
                .withTimeouts(30_000, 10_000, 10_000, 30_000))) {
            Map<String, String> loaded = new TreeMap<>();
            fresh.loadAll().forEach((k, v) -> loaded.put(k, new String(v, UTF_8)));
            assertEquals(expected, loaded);
        }
    }
}
