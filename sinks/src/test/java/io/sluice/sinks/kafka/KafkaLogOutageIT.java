package io.sluice.sinks.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.sluice.sinks.AppendResult;
import io.sluice.sinks.AppendResult.Status;
import io.sluice.sinks.LogConfig;
import io.sluice.sinks.LogRecord;
import io.sluice.stack.KafkaCluster;
import io.sluice.stack.KafkaRecords;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The readings log while its only broker is down (killed, as a crash would): nothing is reported appended until
 * Kafka really has it, and a record outliving its timeouts is reported retryable, never lost silently. Runs on a
 * cluster of its own, since it stops the broker.
 */
class KafkaLogOutageIT {
    private static final Duration AWAIT = Duration.ofSeconds(90);

    private static KafkaCluster cluster;

    private String topic;
    private KafkaLog log;

    @BeforeAll
    static void startCluster() {
        cluster = KafkaCluster.start(1);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @BeforeEach
    void createTopic() {
        topic = "readings-outage-" + UUID.randomUUID();
        try (var topics = new KafkaTopics(cluster.bootstrapServers(), Map.of(), Duration.ofSeconds(30))) {
            topics.ensureReadingsTopic(topic, 1, 1, 1);
        }
    }

    @AfterEach
    void closeLogAndRestoreBroker() {
        if (log != null) {
            log.close(Duration.ofSeconds(5));
        }
        cluster.startBroker(0); // no-op when it runs; otherwise waits until it is back
    }

    /** Opens the log and appends once, so the producer knows the topic's leader before the broker goes away. */
    private KafkaLog openWarm(int deliveryTimeoutMs, int requestTimeoutMs, int maxBlockMs) {
        log = new KafkaLog(LogConfig.defaults(cluster.bootstrapServers()).withTopic(topic).withClientId("outage-it")
                .withBatching(1, 16_384, 8L * 1024 * 1024)
                .withTimeouts(deliveryTimeoutMs, requestTimeoutMs, maxBlockMs));
        assertEquals(Status.APPENDED, awaitResult(log.append(reading("warm-up"))).status());
        return log;
    }

    private static LogRecord reading(String text) {
        return new LogRecord("device-1", text.getBytes(StandardCharsets.UTF_8));
    }

    private static AppendResult awaitResult(CompletableFuture<AppendResult> f) {
        await().atMost(AWAIT).until(f::isDone);
        assertFalse(f.isCompletedExceptionally());
        return f.join();
    }

    @Test
    void append_completesRetryable_whenBrokerDownPastDeliveryTimeout() {
        var log = openWarm(3_000, 1_000, 3_000);
        cluster.stopBroker(0);

        AppendResult result = awaitResult(log.append(reading("during outage")));

        assertEquals(Status.RETRYABLE, result.status());
        assertEquals(1, log.retryableCount());
        assertEquals(0, log.pendingCount());
    }

    @Test
    void append_completesAppended_onlyAfterBrokerRestart_whenOutageIsShorterThanDeliveryTimeout() {
        // the producer forgets its metadata while no broker answers, so max.block.ms must outlast the outage too
        var log = openWarm(120_000, 2_000, 60_000);
        cluster.stopBroker(0);

        CompletableFuture<AppendResult> f = log.append(reading("during outage"));
        // while the broker is down the producer retries; it must not report the record durable meanwhile
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> !f.isDone());
        cluster.startBroker(0);

        AppendResult result = awaitResult(f);
        assertEquals(Status.APPENDED, result.status());
        var records = KafkaRecords.readAll(cluster.bootstrapServers(), topic, AWAIT);
        assertEquals("during outage", new String(records.get(records.size() - 1).value(), StandardCharsets.UTF_8));
    }
}
