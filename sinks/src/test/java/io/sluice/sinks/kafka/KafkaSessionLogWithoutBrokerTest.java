package io.sluice.sinks.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sinks.SessionLogConfig;
import io.sluice.sinks.SessionLogException;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The session store when no Kafka answers: writes fail with a reason instead of hanging, loads fail in time. */
class KafkaSessionLogWithoutBrokerTest {

    private static SessionLogConfig unreachable() throws IOException {
        int port;
        try (var s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        return SessionLogConfig.defaults("127.0.0.1:" + port).withTopic("sessions.unreachable")
                .withTimeouts(2_000, 1_000, 1_000, 2_000);
    }

    @Test
    void put_returnsAtOnce_andFailsRetryable_namingKeyAndTopic() throws Exception {
        try (var log = new KafkaSessionLog(unreachable())) {
            var f = log.put("client-9", new byte[] {1});
            assertFalse(f.isDone());

            await().atMost(Duration.ofSeconds(20)).until(f::isDone);

            var e = assertThrows(CompletionException.class, f::join);
            var failure = (SessionLogException) e.getCause();
            assertTrue(failure.retryable());
            assertTrue(failure.getMessage().contains("put of key 'client-9' to topic 'sessions.unreachable'"),
                    failure.getMessage());
        }
    }

    @Test
    void loadAll_failsRetryable_withinTheLoadTimeout() throws Exception {
        try (var log = new KafkaSessionLog(unreachable())) {
            var e = assertThrows(SessionLogException.class, log::loadAll);
            assertTrue(e.retryable());
            assertTrue(e.getMessage().contains("sessions.unreachable"), e.getMessage());
        }
    }

    @Test
    void close_failsOutstandingWrites_insteadOfLeavingThemOpen() throws Exception {
        var log = new KafkaSessionLog(unreachable().withTimeouts(60_000, 1_000, 60_000, 2_000));
        var first = log.put("a", new byte[] {1});
        var second = log.remove("b");

        log.close(Duration.ofMillis(200));

        assertTrue(first.isCompletedExceptionally());
        assertTrue(second.isCompletedExceptionally());
        assertEquals(SessionLogException.class, assertThrows(CompletionException.class, second::join)
                .getCause().getClass());
    }

    @Test
    void offeredWrites_areRefusedOnceTheQueueIsHalfFull_leavingTheOtherHalfToWritesClientsWaitFor()
            throws Exception {
        long bound = 10 * (100 + 2 * "client-0".length() + KafkaSessionLog.WRITE_OVERHEAD_BYTES);
        try (var log = new KafkaSessionLog(unreachable().withTimeouts(120_000, 1_000, 60_000, 2_000)
                .withMaxQueuedBytes(bound))) {
            log.put("warm", new byte[] {0});
            await().atMost(Duration.ofSeconds(10)).until(() -> log.queuedWrites() == 0); // the sender holds it
            int offered = 0;
            for (int i = 0; i < 10; i++) {
                if (!log.offer("client-" + i, new byte[100]).isCompletedExceptionally()) {
                    offered++;
                }
            }
            assertEquals(5, offered, "presence records fill half of the queue at most");
            for (int i = 0; i < 5; i++) {
                assertFalse(log.put("persistent-" + i, new byte[100 - 8]).isCompletedExceptionally(),
                        "the other half is left for writes clients wait for");
            }
            assertTrue(log.put("one-more", new byte[100]).isCompletedExceptionally());
        }
    }

    @Test
    void churnOfManyWritesPerClientId_whileNoBrokerAnswers_queuesOnlyTheLatestWritePerKey() throws Exception {
        // max.block.ms of a minute: the sender sits in its first send, as it does through an outage
        try (var log = new KafkaSessionLog(unreachable().withTimeouts(120_000, 1_000, 60_000, 2_000))) {
            var first = log.put("warm", new byte[] {0});
            await().atMost(Duration.ofSeconds(10)).until(() -> log.queuedWrites() == 0); // the sender holds it
            var futures = new java.util.ArrayList<java.util.concurrent.CompletableFuture<Void>>();
            for (int i = 0; i < 10_000; i++) {
                String key = "client-" + (i % 20);
                futures.add(i % 3 == 2 ? log.remove(key) : log.put(key, new byte[100]));
            }
            assertEquals(20, log.queuedWrites(), "one write per client id waits");
            assertEquals(10_000 - 20, log.coalescedCount());
            assertTrue(log.queuedBytes() <= 20 * (100 + 2 * 9 + KafkaSessionLog.WRITE_OVERHEAD_BYTES));
            assertTrue(futures.stream().noneMatch(java.util.concurrent.CompletableFuture::isDone),
                    "a replaced write waits for the outcome of the one that replaced it");
            assertFalse(first.isDone());
        }
    }

    @Test
    void writesBeyondTheQueueBound_failAtOnce_retryable_whileNoBrokerAnswers() throws Exception {
        try (var log = new KafkaSessionLog(unreachable().withTimeouts(120_000, 1_000, 60_000, 2_000)
                .withMaxQueuedBytes(64 * 1024))) {
            log.put("warm", new byte[] {0});
            await().atMost(Duration.ofSeconds(10)).until(() -> log.queuedWrites() == 0);
            int refused = 0;
            for (int i = 0; i < 1_000; i++) {
                var f = log.put("stranger-" + i, new byte[1024]);
                if (f.isDone()) {
                    var e = assertThrows(CompletionException.class, f::join);
                    var failure = (SessionLogException) e.getCause();
                    assertTrue(failure.retryable());
                    assertTrue(failure.getMessage().contains("session log queue full"), failure.getMessage());
                    refused++;
                }
            }
            assertTrue(log.queuedBytes() <= 64 * 1024, "queued " + log.queuedBytes());
            assertEquals(1_000 - log.queuedWrites(), refused);
            assertEquals(refused, log.refusedQueueFullCount());
            assertTrue(refused > 900, "refused " + refused);
        }
    }
}
