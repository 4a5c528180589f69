package io.sluice.sinks.fanout;

import static io.sluice.sinks.fanout.KafkaFanoutIT.committedTotal;
import static io.sluice.sinks.fanout.KafkaFanoutIT.header;
import static io.sluice.sinks.fanout.KafkaFanoutIT.newTopic;
import static io.sluice.sinks.fanout.KafkaFanoutIT.publish;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sinks.FanoutConfig;
import io.sluice.sinks.kafka.TestKafka;
import io.sluice.stack.InfluxDbServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fan-out's acceptance cases against a real InfluxDB 1.x (Debian's influxd, 1.6.7) through the v1 write API, with
 * exact counts by InfluxQL: InfluxDB overwrites the same series and timestamp, so a reading written twice is one
 * point. The same cases against QuestDB through the v2 API are in {@link KafkaFanoutIT}.
 */
class KafkaFanoutInfluxV1IT {
    private static InfluxDbServer db;

    @BeforeAll
    static void startTsdb() {
        db = TestInfluxDb.startWith("sensors");
    }

    @AfterAll
    static void stopTsdb() {
        if (db != null) {
            db.close();
        }
    }

    private static FanoutConfig config(String topic, InfluxDbServer tsdb, String database, int batchPoints) {
        String id = UUID.randomUUID().toString();
        TestKafka.createTopic("deadletter-" + id, 1, Map.of());
        return FanoutConfig.of(TestKafka.bootstrap(), topic, tsdb.url(), "unused", List.of(KafkaFanoutIT.RULE))
                .withGroupAndDeadLetter("fanout-" + id, "deadletter-" + id).withBatch(batchPoints, 100)
                .withConsumerProperties(KafkaFanoutIT.FAST_GROUP)
                .withInfluxV1(new FanoutConfig.InfluxV1(database, "", "", ""));
    }

    @Test
    void malformedPayload_andFieldTypeConflict_areDeadLettered_withReasons_andTheRestWritten() {
        String topic = newTopic(1);
        publish(topic, "mixed", 0, 100, Map.of(
                10, "{\"ts\": 1, \"temp\": ",
                21, "{\"ts\": " + (KafkaFanoutIT.BASE_MS + 21) + ", \"temp\": \"hot\"}"));
        FanoutConfig cfg = config(topic, db, "sensors", 50);
        try (KafkaFanout fanout = KafkaFanout.start(cfg)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> fanout.stats().deadLettered() == 2);
            await().atMost(Duration.ofSeconds(30)).until(() -> committedTotal(cfg.groupId()) == 100);
            assertEquals(Map.of("malformed_json", 1L, "rejected_by_tsdb", 1L), fanout.stats().deadLetteredByReason());
            assertEquals(98, fanout.stats().pointsWritten());
        }
        assertEquals(98, db.count("sensors", "mixed"));
        List<ConsumerRecord<String, byte[]>> dead = TestKafka.readAll(cfg.deadLetterTopic(), Duration.ofSeconds(30));
        Map<String, String> reasons = dead.stream().collect(Collectors.toMap(
                r -> header(r, KafkaFanout.HEADER_REASON), r -> header(r, KafkaFanout.HEADER_MESSAGE)));
        assertTrue(reasons.get("rejected_by_tsdb").contains("field type conflict: input field \"temp\" on measurement"
                + " \"mixed\" is type string, already exists as type float"), reasons.toString());
    }

    @Test
    void tsdbStoppedUnderLoad_losesNothing_andDrainsAfterRestart() {
        String topic = newTopic(3);
        try (InfluxDbServer own = InfluxDbServer.start()) {
            own.createDatabase("sensors");
            FanoutConfig cfg = config(topic, own, "sensors", 200);
            try (KafkaFanout fanout = KafkaFanout.start(cfg)) {
                publish(topic, "outage", 0, 1000, Map.of());
                await().atMost(Duration.ofSeconds(60)).until(() -> own.count("sensors", "outage") == 1000);
                own.stop();
                publish(topic, "outage", 1000, 3000, Map.of());
                // the TSDB stays away for at least 10 s while the fan-out keeps retrying with its partitions paused
                await().pollDelay(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(60))
                        .until(() -> fanout.stats().retries() >= 2 && fanout.stats().paused());
                own.restart();
                await().atMost(Duration.ofSeconds(120)).until(() -> own.count("sensors", "outage") == 3000);
                assertEquals(0, fanout.stats().deadLettered());
                await().atMost(Duration.ofSeconds(30)).until(() -> !fanout.stats().paused());
            }
        }
    }

    @Test
    void missingDatabase_pausesWithoutDeadLetters_andWritesOnceItIsCreated() {
        String topic = newTopic(1);
        publish(topic, "late", 0, 300, Map.of());
        String database = "late_" + UUID.randomUUID().toString().replace("-", "");
        FanoutConfig cfg = config(topic, db, database, 100);
        try (KafkaFanout fanout = KafkaFanout.start(cfg)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> fanout.stats().retries() >= 2
                    && fanout.stats().paused());
            assertEquals(0, fanout.stats().deadLettered(), "a missing database never dead-letters readings");
            assertEquals(0, fanout.stats().pointsWritten());
            assertEquals("HTTP 404: database not found: \"" + database + "\"", fanout.stats().tsdbError());
            db.createDatabase(database);
            await().atMost(Duration.ofSeconds(90)).until(() -> db.count(database, "late") == 300);
            await().atMost(Duration.ofSeconds(30)).until(() -> committedTotal(cfg.groupId()) == 300);
            assertEquals(0, fanout.stats().deadLettered());
            assertEquals("", fanout.stats().tsdbError(), "cleared once writes go through");
        }
    }

    @Test
    void fanoutKilledMidRun_restartedMember_stillWritesTheExactCount() throws Exception {
        String topic = newTopic(3);
        publish(topic, "killed", 0, 20000, Map.of());
        FanoutConfig cfg = config(topic, db, "sensors", 200);
        Path log = Files.createTempFile("fanout-child-", ".log");
        Process child = FanoutProcess.start(cfg.bootstrapServers(), topic, cfg.groupId(), cfg.deadLetterTopic(),
                db.url(), 200, "sensors", log);
        try {
            await().atMost(Duration.ofSeconds(90)).until(() -> db.count("sensors", "killed") >= 3000
                    || !child.isAlive());
            assertTrue(child.isAlive(), () -> "fan-out child died early:\n" + KafkaFanoutIT.readQuietly(log));
        } finally {
            child.destroyForcibly(); // SIGKILL mid-run: no last flush, no commit
            child.waitFor(30, TimeUnit.SECONDS);
        }
        long beforeRestart = db.count("sensors", "killed");
        assertTrue(beforeRestart < 20000, "the child finished before it was killed: " + beforeRestart);
        try (KafkaFanout restarted = KafkaFanout.start(cfg)) {
            await().atMost(Duration.ofSeconds(120)).until(() -> db.count("sensors", "killed") == 20000);
            await().atMost(Duration.ofSeconds(30)).until(() -> committedTotal(cfg.groupId()) == 20000);
        }
        assertEquals(20000, db.count("sensors", "killed"));
        Files.deleteIfExists(log);
    }
}
