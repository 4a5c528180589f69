package io.sluice.sinks.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sinks.AppendResult;
import io.sluice.sinks.AppendResult.Status;
import io.sluice.sinks.LogConfig;
import io.sluice.sinks.LogHeader;
import io.sluice.sinks.LogRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The QoS 2 writer against a real broker: a reading and its session record committed together, or neither. */
class KafkaTransactionalLogIT {
    private static final Duration AWAIT = Duration.ofSeconds(60);

    private String readings;
    private String sessions;
    private KafkaTransactionalLog log;

    @BeforeEach
    void open() {
        readings = "readings-" + UUID.randomUUID();
        sessions = "sessions-" + UUID.randomUUID();
        try (var topics = new KafkaTopics(TestKafka.bootstrap(), Map.of(), Duration.ofSeconds(30))) {
            topics.ensureReadingsTopic(readings, 3, 1, 1);
            topics.ensureSessionsTopic(sessions, 3, 1, 1);
        }
        LogConfig config = LogConfig.defaults(TestKafka.bootstrap()).withTopic(readings).withClientId("tx-it")
                .withClientProperties(Map.of("max.request.size", "65536"));
        log = new KafkaTransactionalLog(config, sessions, "tx-it-" + UUID.randomUUID());
    }

    @AfterEach
    void close() {
        log.close(Duration.ofSeconds(5));
    }

    private static AppendResult result(CompletableFuture<AppendResult> f) {
        org.awaitility.Awaitility.await().atMost(AWAIT).until(f::isDone);
        return f.join();
    }

    @Test
    void appended_readingAndSessionRecord_areBothCommitted_andReadableWithReadCommitted() {
        byte[] payload = "21.5".getBytes(UTF_8);
        AppendResult r = result(log.append(new LogRecord("dev-1", payload,
                List.of(new LogHeader("sluice.topic", "s/1".getBytes(UTF_8)))), "dev-1\u00007", new byte[] {1, 0, 7}));
        assertEquals(Status.APPENDED, r.status(), String.valueOf(r.reason()));

        List<ConsumerRecord<String, byte[]>> written = TestKafka.readAllSettled(readings, AWAIT);
        assertEquals(1, written.size());
        assertArrayEquals(payload, written.get(0).value());
        assertEquals("s/1", new String(written.get(0).headers().lastHeader("sluice.topic").value(), UTF_8));
        List<ConsumerRecord<String, byte[]>> remembered = TestKafka.readAllSettled(sessions, AWAIT);
        assertEquals(1, remembered.size());
        assertEquals("dev-1\u00007", remembered.get(0).key());
    }

    @Test
    void aReadingKafkaRefuses_isRejected_andItsSessionRecordIsNeverVisible() {
        AppendResult r = result(log.append(new LogRecord("dev-2", new byte[200_000]), "dev-2\u00001",
                new byte[] {1, 0, 1}));
        assertEquals(Status.REJECTED, r.status());
        assertTrue(r.reason().contains("RecordTooLarge"), r.reason());
        // the writer goes on after an aborted transaction
        assertEquals(Status.APPENDED, result(log.append(new LogRecord("dev-2", new byte[10]), "dev-2\u00002",
                new byte[] {1, 0, 2})).status());
        assertEquals(List.of("dev-2\u00002"), TestKafka.readAllSettled(sessions, AWAIT).stream()
                .map(ConsumerRecord::key)
                .toList(), "the aborted transaction's session record is not read");
        assertEquals(1, TestKafka.readAllSettled(readings, AWAIT).size());
    }

    @Test
    void manyWritesWaitingTogether_shareTransactions() {
        List<CompletableFuture<AppendResult>> all = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            all.add(log.append(new LogRecord("dev-" + (i % 7), ("v" + i).getBytes(UTF_8)), "dev\u0000" + (i + 1),
                    new byte[] {1, (byte) ((i + 1) >> 8), (byte) (i + 1)}));
        }
        await().atMost(AWAIT).until(() -> all.stream().allMatch(CompletableFuture::isDone));
        assertTrue(all.stream().allMatch(f -> f.join().appended()));
        assertEquals(500, log.committedCount());
        assertTrue(log.transactionCount() < 500, "group commit: " + log.transactionCount() + " transactions");
        assertEquals(500, TestKafka.readAllSettled(readings, AWAIT).size());
    }
}
