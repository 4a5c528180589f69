package io.sluice.sinks.fanout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sinks.FanoutConfig;
import io.sluice.sinks.kafka.TestKafka;
import io.sluice.sinks.ReadingHeader;
import io.sluice.sinks.MappingRule;
import io.sluice.sinks.PayloadFormat;
import io.sluice.sinks.TimePrecision;
import io.sluice.stack.QuestDbServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fan-out end to end against a real Kafka broker and a real QuestDB, counting points exactly by SQL. */
class KafkaFanoutIT {
    static final long BASE_MS = 1_700_000_000_000L;
    static final MappingRule RULE = new MappingRule("sensors/{device}/{measurement}", null,
            PayloadFormat.JSON, null, "ts", TimePrecision.MS, "_", Map.of("site", "lab"));
    /** A killed member's partitions move after 6 s (the broker's minimum) instead of Kafka's default 45 s. */
    static final Map<String, String> FAST_GROUP = Map.of("session.timeout.ms", "6000",
            "heartbeat.interval.ms", "1000");
    private static QuestDbServer db;

    @BeforeAll
    static void startTsdb() {
        db = QuestDbServer.start();
    }

    @AfterAll
    static void stopTsdb() {
        db.close();
    }

    static String newTopic(int partitions) {
        String topic = "readings-fanout-" + UUID.randomUUID();
        TestKafka.createTopic(topic, partitions, Map.of());
        return topic;
    }

    private static FanoutConfig config(String topic, QuestDbServer tsdb, int batchPoints) {
        String id = UUID.randomUUID().toString();
        TestKafka.createTopic("deadletter-" + id, 1, Map.of()); // the broker does not auto-create topics
        return FanoutConfig.of(TestKafka.bootstrap(), topic, tsdb.url(), "sluice", List.of(RULE))
                .withGroupAndDeadLetter("fanout-" + id, "deadletter-" + id).withBatch(batchPoints, 100)
                .withConsumerProperties(FAST_GROUP);
    }

    private static void createTable(QuestDbServer tsdb, String table) {
        tsdb.createTable(table, List.of("device", "site"), List.of("temp DOUBLE", "gps_lat DOUBLE", "ok BOOLEAN"));
    }

    /** Publishes readings i in [from, to) as the ingest path would: key, raw payload, Sluice headers. */
    static void publish(String topic, String measurement, int from, int to, Map<Integer, String> override) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
                new ByteArraySerializer())) {
            for (int i = from; i < to; i++) {
                String device = "d" + (i % 20);
                String payload = override.getOrDefault(i, "{\"ts\": " + (BASE_MS + i) + ", \"temp\": " + (i % 50)
                        + ".25, \"ok\": true, \"gps\": {\"lat\": 52.5}}");
                ProducerRecord<String, byte[]> r = new ProducerRecord<>(topic, device,
                        payload.getBytes(StandardCharsets.UTF_8));
                String mqttTopic = "sensors/" + device + "/" + measurement;
                long receivedNs = System.currentTimeMillis() * 1_000_000L;
                if (i % 2 == 1) { // both header layouts the daemon writes, mixed in one log
                    r.headers().add(ReadingHeader.KEY, ReadingHeader.encode(receivedNs, "mqtt", "5", 1,
                            "it".getBytes(StandardCharsets.UTF_8), mqttTopic));
                } else {
                    r.headers().add("sluice.topic", mqttTopic.getBytes(StandardCharsets.UTF_8));
                    r.headers().add("sluice.received_ns", Long.toString(receivedNs).getBytes(StandardCharsets.UTF_8));
                }
                producer.send(r);
            }
            producer.flush();
        }
    }

    static long committedTotal(String group) throws Exception {
        return KafkaClusterAdmin.committed(group);
    }

    @Test
    void readings_becomeExactlyThatManyPoints_withMappedMeasurementTagsAndFields_andOffsetsCommitted()
            throws Exception {
        String topic = newTopic(3);
        createTable(db, "climate");
        publish(topic, "climate", 0, 2000, Map.of());
        FanoutConfig cfg = config(topic, db, 500);
        try (KafkaFanout fanout = KafkaFanout.start(cfg)) {
            await().atMost(Duration.ofSeconds(90)).until(() -> db.count("climate") == 2000);
            assertEquals(100, db.queryLong("SELECT count() FROM climate WHERE device = 'd7' AND site = 'lab'"
                    + " AND gps_lat = 52.5 AND ok = true"));
            assertEquals(1, db.queryLong("SELECT count() FROM climate WHERE device = 'd3' AND temp = 13.25"
                    + " AND timestamp = CAST(" + (BASE_MS + 1963) * 1000 + " AS TIMESTAMP)"));
            await().atMost(Duration.ofSeconds(30)).until(() -> committedTotal(cfg.groupId()) == 2000);
            assertEquals(0, fanout.stats().deadLettered());
        }
    }

    @Test
    void malformedPayload_andFieldTypeConflict_areDeadLettered_withReasons_andTheRestWritten() {
        String topic = newTopic(1);
        createTable(db, "mixed");
        publish(topic, "mixed", 0, 100, Map.of(
                10, "{\"ts\": 1, \"temp\": ",
                21, "{\"ts\": " + (BASE_MS + 21) + ", \"temp\": \"hot\"}"));
        FanoutConfig cfg = config(topic, db, 50);
        try (KafkaFanout fanout = KafkaFanout.start(cfg)) {
            await().atMost(Duration.ofSeconds(90)).until(() -> db.count("mixed") == 98);
            await().atMost(Duration.ofSeconds(30)).until(() -> fanout.stats().deadLettered() == 2);
            assertEquals(Map.of("malformed_json", 1L, "rejected_by_tsdb", 1L), fanout.stats().deadLetteredByReason());
        }
        List<ConsumerRecord<String, byte[]>> dead = TestKafka.readAll(cfg.deadLetterTopic(), Duration.ofSeconds(30));
        Map<String, String> reasons = dead.stream().collect(Collectors.toMap(
                r -> header(r, KafkaFanout.HEADER_REASON), r -> header(r, KafkaFanout.HEADER_MESSAGE)));
        assertEquals(Set.of("malformed_json", "rejected_by_tsdb"), reasons.keySet());
        assertTrue(reasons.get("rejected_by_tsdb").contains("cast error"), reasons.toString());
        assertTrue(dead.stream().allMatch(r -> header(r, "sluice.topic").equals("sensors/" + r.key() + "/mixed")));
        assertEquals(1, dead.stream().filter(r -> r.headers().lastHeader(ReadingHeader.KEY) != null).count(),
                "the compact record's header went to the dead letters with it");
        assertTrue(dead.stream().anyMatch(r -> new String(r.value(), StandardCharsets.UTF_8).contains("\"hot\"")));
    }

    @Test
    void tsdbStoppedUnderLoad_losesNothing_andDrainsAfterRestart() {
        String topic = newTopic(3);
        try (QuestDbServer own = QuestDbServer.start()) {
            createTable(own, "outage");
            FanoutConfig cfg = config(topic, own, 200);
            try (KafkaFanout fanout = KafkaFanout.start(cfg)) {
                publish(topic, "outage", 0, 1000, Map.of());
                await().atMost(Duration.ofSeconds(60)).until(() -> own.count("outage") == 1000);
                own.stop();
                publish(topic, "outage", 1000, 3000, Map.of());
                // the TSDB stays away for at least 10 s while the fan-out keeps retrying with its partitions paused
                await().pollDelay(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(60))
                        .until(() -> fanout.stats().retries() >= 2 && fanout.stats().paused());
                own.restart();
                await().atMost(Duration.ofSeconds(120)).until(() -> own.count("outage") == 3000);
                assertEquals(0, fanout.stats().deadLettered());
                await().atMost(Duration.ofSeconds(30)).until(() -> !fanout.stats().paused());
            }
        }
    }

    @Test
    void fanoutHaltedMidRun_nextMemberReReadsUncommitted_andTheExactCountStillMatches() {
        String topic = newTopic(3);
        createTable(db, "halted");
        publish(topic, "halted", 0, 6000, Map.of());
        FanoutConfig cfg = config(topic, db, 100);
        KafkaFanout first = KafkaFanout.start(cfg);
        await().atMost(Duration.ofSeconds(60)).until(() -> first.stats().pointsWritten() >= 1500);
        first.halt();
        long writtenByFirst = first.stats().pointsWritten();
        try (KafkaFanout second = KafkaFanout.start(cfg)) {
            await().atMost(Duration.ofSeconds(120)).until(() -> db.count("halted") == 6000);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> writtenByFirst + second.stats().pointsWritten() >= 6000);
        }
        assertEquals(6000, db.count("halted"));
    }

    @Test
    void fanoutKilledMidRun_restartedMember_stillWritesTheExactCount() throws Exception {
        String topic = newTopic(3);
        createTable(db, "killed");
        publish(topic, "killed", 0, 20000, Map.of());
        FanoutConfig cfg = config(topic, db, 200);
        java.nio.file.Path log = java.nio.file.Files.createTempFile("fanout-child-", ".log");
        Process child = FanoutProcess.start(cfg.bootstrapServers(), topic, cfg.groupId(), cfg.deadLetterTopic(),
                db.url(), 200, null, log);
        try {
            await().atMost(Duration.ofSeconds(90)).until(() -> db.count("killed") >= 3000 || !child.isAlive());
            assertTrue(child.isAlive(), () -> "fan-out child died early:\n" + readQuietly(log));
        } finally {
            child.destroyForcibly(); // SIGKILL mid-run: no last flush, no commit
            child.waitFor(30, TimeUnit.SECONDS);
        }
        long beforeRestart = db.count("killed");
        assertTrue(beforeRestart < 20000, "the child finished before it was killed: " + beforeRestart);
        try (KafkaFanout restarted = KafkaFanout.start(cfg)) {
            await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertEquals(20000, db.count("killed"),
                    () -> "points in the TSDB; the restarted member: " + restarted.stats() + "; the table's WAL: "
                            + db.walStatus("killed") + "; QuestDB's log:\n" + db.logTail(30)));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(20000,
                    committedTotal(cfg.groupId()), "offsets committed"));
        }
        assertEquals(20000, db.count("killed"));
    }

    static String readQuietly(java.nio.file.Path p) {
        try {
            return java.nio.file.Files.readString(p);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    /** A header by name; {@code sluice.topic} also from the compact header, where the record has that. */
    static String header(ConsumerRecord<String, byte[]> r, String name) {
        var compact = r.headers().lastHeader(ReadingHeader.KEY);
        if (compact != null && name.equals("sluice.topic")) {
            return ReadingHeader.fields(compact.value()).get(name);
        }
        var h = r.headers().lastHeader(name);
        return h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** Committed offsets of a group, summed over its partitions. */
    private static final class KafkaClusterAdmin {
        static long committed(String group) throws Exception {
            return io.sluice.stack.KafkaCluster.shared().admin().listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS).values().stream()
                    .mapToLong(o -> o == null ? 0 : o.offset()).sum();
        }
    }
}
