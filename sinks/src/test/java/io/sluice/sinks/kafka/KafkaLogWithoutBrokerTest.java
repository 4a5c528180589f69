package io.sluice.sinks.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sinks.AppendResult;
import io.sluice.sinks.AppendResult.Status;
import io.sluice.sinks.LogConfig;
import io.sluice.sinks.LogRecord;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

/**
 * The log's contract when no Kafka answers: callers are never blocked, every future completes, none exceptionally.
 * A real producer against a port nobody listens on; no broker needed.
 */
class KafkaLogWithoutBrokerTest {

    private static LogConfig unreachable(int maxBlockMs) throws IOException {
        int port;
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort(); // free again once closed: connections are refused
        }
        return LogConfig.defaults("127.0.0.1:" + port).withTopic("sluice.readings.unreachable")
                .withTimeouts(3_000, 1_000, maxBlockMs).withClientId("unreachable-test");
    }

    private static LogRecord reading(int i) {
        return new LogRecord("device-" + i, ("t=" + i).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void append_returnsAtOnce_andCompletesRetryable_whenKafkaIsUnreachable() throws Exception {
        try (var log = new KafkaLog(unreachable(1_000))) {
            CompletableFuture<AppendResult> f = log.append(reading(1));
            // send() waits up to max.block.ms for metadata; that wait is the sender thread's, not ours
            assertFalse(f.isDone());
            assertEquals(1, log.pendingCount());

            AppendResult result = await().atMost(Duration.ofSeconds(20)).until(f::join, r -> true);
            assertEquals(Status.RETRYABLE, result.status());
            assertTrue(result.reason().startsWith("TimeoutException"), result.reason());
            assertEquals(-1, result.partition());
            assertEquals(0, log.pendingCount());
            assertEquals(1, log.retryableCount());
        }
    }

    @Test
    void recordsQueuedBehindABlockedSend_completeRetryable_afterMaxBlock_notOneMaxBlockEach() throws Exception {
        try (var log = new KafkaLog(unreachable(1_000))) {
            var futures = new ArrayList<CompletableFuture<AppendResult>>();
            for (int i = 0; i < 5; i++) {
                futures.add(log.append(reading(i)));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> futures.stream().allMatch(CompletableFuture::isDone));

            assertTrue(futures.stream().allMatch(f -> f.join().status() == Status.RETRYABLE));
            // the first waits for metadata in send(); by the time the sender is free again, the ones behind it
            // have waited max.block.ms as well and fail without another wait
            assertTrue(futures.stream().anyMatch(f -> f.join().reason().startsWith("not handed to Kafka")),
                    futures.stream().map(f -> f.join().reason()).toList().toString());
        }
    }

    @Test
    void close_completesEveryOutstandingAppend_asRetryable_andLaterAppendsAtOnce() throws Exception {
        var log = new KafkaLog(unreachable(60_000));
        var futures = new ArrayList<CompletableFuture<AppendResult>>();
        for (int i = 0; i < 50; i++) {
            futures.add(log.append(reading(i)));
        }

        log.close(Duration.ofMillis(200));

        assertTrue(futures.stream().allMatch(CompletableFuture::isDone));
        assertTrue(futures.stream().noneMatch(CompletableFuture::isCompletedExceptionally));
        assertTrue(futures.stream().allMatch(f -> f.join().status() == Status.RETRYABLE));
        assertEquals(0, log.pendingCount());
        assertEquals(50, log.retryableCount());

        AppendResult late = log.append(reading(99)).getNow(null);
        assertEquals(AppendResult.retryable("kafka log is closed"), late);
    }

    @Test
    void producer_isConfigured_forTheDeliveryContract() {
        var config = LogConfig.defaults("k:9092").withClientProperties(Map.of("security.protocol", "SSL"));
        var props = KafkaLog.producerProperties(config);
        assertEquals("all", props.get(ProducerConfig.ACKS_CONFIG));
        assertEquals("true", props.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG));
        assertEquals("lz4", props.get(ProducerConfig.COMPRESSION_TYPE_CONFIG));
        assertEquals("134217728", props.get(ProducerConfig.BUFFER_MEMORY_CONFIG));
        assertEquals("60000", props.get(ProducerConfig.MAX_BLOCK_MS_CONFIG));
        assertEquals("SSL", props.get("security.protocol"));

        var zstd = LogConfig.defaults("k:9092").withClientProperties(Map.of("compression.type", "zstd"));
        assertEquals("zstd", KafkaLog.producerProperties(zstd).get(ProducerConfig.COMPRESSION_TYPE_CONFIG));
    }

    @Test
    void aConfigurationKafkaRefuses_failsConstruction_withTheReason() {
        var config = LogConfig.defaults("k:9092").withClientProperties(Map.of("max.in.flight.requests.per.connection", "50"));
        var e = assertThrows(IllegalArgumentException.class, () -> new KafkaLog(config));
        assertTrue(e.getMessage().contains("sluice.readings"), e.getMessage());
        List.of(e.getMessage()).forEach(System.out::println);
    }
}
