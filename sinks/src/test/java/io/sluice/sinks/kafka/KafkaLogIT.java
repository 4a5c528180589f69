package io.sluice.sinks.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The readings log against a real broker: every outcome (appended, retryable, rejected) for real. */
class KafkaLogIT {
    private static final Duration AWAIT = Duration.ofSeconds(60);

    private String topic;
    private final List<KafkaLog> logs = new ArrayList<>();

    @BeforeEach
    void createTopic() {
        topic = "readings-" + UUID.randomUUID();
        try (var topics = new KafkaTopics(TestKafka.bootstrap(), Map.of(), Duration.ofSeconds(30))) {
            topics.ensureReadingsTopic(topic, 3, 1, 1);
        }
    }

    @AfterEach
    void closeLogs() {
        logs.forEach(l -> l.close(Duration.ofSeconds(5)));
    }

    private KafkaLog open(LogConfig config) {
        var log = new KafkaLog(config);
        logs.add(log);
        return log;
    }

    private LogConfig config() {
        return LogConfig.defaults(TestKafka.bootstrap()).withTopic(topic).withClientId("kafka-log-it")
                .withBatching(1, 16_384, 8L * 1024 * 1024);
    }

    private static AppendResult awaitResult(CompletableFuture<AppendResult> f) {
        await().atMost(AWAIT).until(f::isDone);
        assertFalse(f.isCompletedExceptionally());
        return f.join();
    }

    @Test
    void append_completesAppended_andTheRecordIsInKafka_withKeyValueAndHeadersUnchanged() {
        var log = open(config());
        byte[] payload = {0, 1, 2, (byte) 0xff, '{', '}'};
        var headers = List.of(
                new LogHeader("sluice.topic", "plant/7/temp".getBytes(UTF_8)),
                new LogHeader("mqtt.user.unit", "C".getBytes(UTF_8)),
                new LogHeader("mqtt.user.unit", "K".getBytes(UTF_8)),
                new LogHeader("sluice.empty", null));

        AppendResult result = awaitResult(log.append(new LogRecord("device-42", payload, headers)));

        assertEquals(Status.APPENDED, result.status());
        assertNull(result.reason());
        List<ConsumerRecord<String, byte[]>> records = TestKafka.readAll(topic, AWAIT);
        assertEquals(1, records.size());
        ConsumerRecord<String, byte[]> r = records.get(0);
        assertEquals("device-42", r.key());
        assertArrayEquals(payload, r.value());
        assertEquals(result.partition(), r.partition());
        assertEquals(result.offset(), r.offset());
        Header[] read = r.headers().toArray();
        assertEquals(headers.size(), read.length);
        for (int i = 0; i < read.length; i++) {
            assertEquals(headers.get(i).name(), read[i].key());
            assertArrayEquals(headers.get(i).value(), read[i].value());
        }
        assertEquals(1, log.appendedCount());
        assertEquals(0, log.pendingCount());
    }

    @Test
    void append_keepsOneDevicesReadingsInOrder_onOnePartition() {
        var log = open(config());
        var futures = new ArrayList<CompletableFuture<AppendResult>>();
        for (int i = 0; i < 200; i++) {
            futures.add(log.append(new LogRecord("device-7", ("r" + i).getBytes(UTF_8))));
        }
        log.flush();

        assertTrue(futures.stream().allMatch(f -> f.join().appended()));
        var read = TestKafka.readAll(topic, AWAIT);
        assertEquals(200, read.size());
        for (int i = 0; i < 200; i++) {
            assertEquals("r" + i, new String(read.get(i).value(), UTF_8));
        }
        assertEquals(1, read.stream().map(ConsumerRecord::partition).distinct().count());
    }

    @Test
    void append_completesRejected_whenTheRecordIsLargerThanTheProducerAllows_andTheLogGoesOn() {
        var log = open(config());

        AppendResult tooLarge = awaitResult(log.append(new LogRecord("device-1", new byte[2 * 1024 * 1024])));
        AppendResult next = awaitResult(log.append(new LogRecord("device-1", new byte[10])));

        assertEquals(Status.REJECTED, tooLarge.status());
        assertTrue(tooLarge.reason().startsWith("RecordTooLargeException"), tooLarge.reason());
        assertEquals(Status.APPENDED, next.status());
        assertEquals(1, log.rejectedCount());
    }

    @Test
    void append_completesRejected_whenTheBrokerRefusesTheRecordSize() {
        topic = topic + "-small";
        TestKafka.createTopic(topic, 1, Map.of("max.message.bytes", "2000"));
        var log = open(config());

        byte[] incompressible = new byte[50_000];
        new java.util.Random(7).nextBytes(incompressible); // lz4 would shrink zeros below the limit

        AppendResult result = awaitResult(log.append(new LogRecord("device-1", incompressible)));

        assertEquals(Status.REJECTED, result.status());
        assertTrue(result.reason().startsWith("RecordTooLargeException"), result.reason());
    }
}
