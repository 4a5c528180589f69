package io.sluice.sinks.delivery;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.delivery.Message;
import io.sluice.ingest.Delivery;
import io.sluice.ingest.Outcome;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The delivery log's writes when no Kafka answers: the caller is never blocked, every stage completes retryable
 * within the configured wait, and what waits is bounded. A real producer against a port nobody listens on.
 */
class KafkaDeliveryLogWithoutBrokerTest {

    private static DeliveryLogConfig unreachable(long maxPendingBytes) throws IOException {
        int port;
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort(); // free again once closed: connections are refused
        }
        return DeliveryLogConfig.defaults("127.0.0.1:" + port, "node-a").withTimeouts(3_000, 1_000, 1_000, 5_000)
                .withMaxPendingBytes(maxPendingBytes);
    }

    private static Message message(int payloadBytes) {
        return new Message("cmd/x", new byte[payloadBytes], 1, false, "p", 1, 0, -1, null, null, null, null);
    }

    @Test
    void appendAndRetain_returnAtOnce_andCompleteRetryable_withinMaxBlock_whenKafkaIsDown() throws Exception {
        try (var log = new KafkaDeliveryLog(unreachable(1024 * 1024))) {
            long started = System.nanoTime();
            CompletableFuture<Delivery> append = log.append(message(10), List.of("node-a", "node-b"))
                    .toCompletableFuture();
            CompletableFuture<Delivery> retain = log.retain(new Message("lamp", "on".getBytes(UTF_8), 1, true, "p", 1,
                    0, -1, null, null, null, null)).toCompletableFuture();
            long callMs = (System.nanoTime() - started) / 1_000_000;

            assertTrue(callMs < 500, "the calls took " + callMs + " ms");
            assertFalse(append.isDone());
            await().atMost(Duration.ofSeconds(15)).until(() -> append.isDone() && retain.isDone());
            assertEquals(Outcome.RETRYABLE, append.join().outcome(), append.join().reason());
            assertEquals(Outcome.RETRYABLE, retain.join().outcome(), retain.join().reason());
            assertEquals(2, log.stats().writesRetryable());
            assertEquals(0, log.stats().pendingBytes());
        }
    }

    @Test
    void writesBeyondMaxPendingBytes_completeRetryableAtOnce_namingTheBound() throws Exception {
        try (var log = new KafkaDeliveryLog(unreachable(64 * 1024))) {
            List<CompletableFuture<Delivery>> all = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                all.add(log.append(message(8 * 1024), List.of("node-a")).toCompletableFuture());
            }

            List<CompletableFuture<Delivery>> refused = all.stream().filter(CompletableFuture::isDone).toList();
            assertTrue(refused.size() >= 12, refused.size() + " refused at once");
            assertTrue(refused.get(0).join().reason().contains("65536 bytes"), refused.get(0).join().reason());
            assertTrue(log.stats().pendingBytes() <= 64 * 1024, "pending " + log.stats().pendingBytes());
            assertEquals(refused.size(), log.stats().writesRefusedFull());
            await().atMost(Duration.ofSeconds(20)).until(() -> all.stream().allMatch(CompletableFuture::isDone));
            assertTrue(all.stream().allMatch(f -> f.join().outcome() == Outcome.RETRYABLE));
        }
    }

    @Test
    void afterClose_writesCompleteRetryableAtOnce() throws Exception {
        var log = new KafkaDeliveryLog(unreachable(1024 * 1024));
        log.close();

        CompletableFuture<Delivery> f = log.append(message(1), List.of("node-a")).toCompletableFuture();

        assertTrue(f.isDone());
        assertEquals(Outcome.RETRYABLE, f.join().outcome());
    }
}
