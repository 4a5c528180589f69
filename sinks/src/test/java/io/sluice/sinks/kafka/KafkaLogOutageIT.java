package io.sluice.sinks.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sinks.AppendResult;
import io.sluice.sinks.AppendResult.Status;
import io.sluice.sinks.LogConfig;
import io.sluice.sinks.LogRecord;
import io.sluice.stack.KafkaCluster;
import io.sluice.stack.KafkaRecords;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
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
    private KafkaLog openWarm(int lingerMs, int deliveryTimeoutMs, int requestTimeoutMs, int maxBlockMs) {
        log = new KafkaLog(LogConfig.defaults(cluster.bootstrapServers()).withTopic(topic).withClientId("outage-it")
                .withBatching(lingerMs, 16_384, 8L * 1024 * 1024)
                .withTimeouts(deliveryTimeoutMs, requestTimeoutMs, maxBlockMs));
        assertEquals(Status.APPENDED, awaitResult(log.append(reading("warm-up"))).status());
        return log;
    }

    /**
     * Appends a record and waits until it sits in the producer, where linger.ms keeps it unsent for a while: a
     * broker killed now dies before the record reaches it.
     */
    private CompletableFuture<AppendResult> appendHandedOver(KafkaLog log, String text) throws InterruptedException {
        CompletableFuture<AppendResult> f = log.append(reading(text));
        assertTrue(log.awaitHandedOver(Duration.ofSeconds(10)));
        return f;
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
    void append_completesRetryable_whenBrokerDownPastDeliveryTimeout() throws InterruptedException {
        var log = openWarm(3_000, 6_000, 2_000, 3_000);
        CompletableFuture<AppendResult> inProducer = appendHandedOver(log, "handed over before the crash");
        cluster.stopBroker(0);
        CompletableFuture<AppendResult> afterCrash = log.append(reading("appended after the crash"));

        AppendResult expired = awaitResult(inProducer);
        AppendResult blocked = awaitResult(afterCrash);

        // the first waited in the producer past delivery.timeout.ms; the second either joined it there or, once the
        // producer had dropped its metadata, waited for metadata past max.block.ms
        assertEquals(Status.RETRYABLE, expired.status());
        assertTrue(expired.reason().startsWith("TimeoutException: Expiring"), expired.reason());
        assertEquals(Status.RETRYABLE, blocked.status());
        assertEquals(2, log.retryableCount());
        assertEquals(0, log.pendingCount());
    }

    @Test
    void append_completesAppended_onlyAfterBrokerRestart_whenOutageIsShorterThanDeliveryTimeout()
            throws InterruptedException {
        // the producer forgets its metadata while no broker answers, so max.block.ms must outlast the outage too
        var log = openWarm(3_000, 120_000, 2_000, 60_000);
        CompletableFuture<AppendResult> inProducer = appendHandedOver(log, "handed over before the crash");
        cluster.stopBroker(0);
        CompletableFuture<AppendResult> afterCrash = log.append(reading("appended after the crash"));

        // while the broker is down the producer retries; it must not report either record durable meanwhile
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10))
                .until(() -> !inProducer.isDone() && !afterCrash.isDone());
        cluster.startBroker(0);

        assertEquals(Status.APPENDED, awaitResult(inProducer).status());
        assertEquals(Status.APPENDED, awaitResult(afterCrash).status());
        var values = KafkaRecords.readAll(cluster.bootstrapServers(), topic, AWAIT).stream()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
        assertTrue(values.containsAll(List.of("handed over before the crash", "appended after the crash")),
                values.toString());
    }
}
