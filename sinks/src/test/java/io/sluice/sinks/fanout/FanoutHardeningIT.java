package io.sluice.sinks.fanout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sinks.FanoutConfig;
import io.sluice.sinks.kafka.TestKafka;
import io.sluice.sinks.FanoutListener;
import io.sluice.sinks.MappingRule;
import io.sluice.sinks.PayloadFormat;
import io.sluice.sinks.TimePrecision;
import io.sluice.stack.KafkaCluster;
import io.sluice.stack.QuestDbServer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * What a hostile or unlucky record does to a fan-out member, against a real Kafka broker and a real QuestDB: it earns
 * a dead letter with its reason and nothing more; the member keeps running, in its group, and commits.
 */
class FanoutHardeningIT {
    private static final long BASE_MS = 1_700_000_000_000L;
    private static final MappingRule RULE = new MappingRule("sensors/{device}/{measurement}", null,
            PayloadFormat.JSON, null, "ts", TimePrecision.MS, "_", Map.of());
    private static final int FOUR_MIB = 4 << 20;

    private static QuestDbServer db() {
        return QuestDbServer.shared();
    }

    private static String newTopic(int partitions, Map<String, String> configs) {
        String topic = "hardening-" + UUID.randomUUID();
        TestKafka.createTopic(topic, partitions, configs);
        return topic;
    }

    private static FanoutConfig config(String topic, int batchPoints, Map<String, String> topicConfigs) {
        String id = UUID.randomUUID().toString();
        TestKafka.createTopic("deadletter-" + id, 1, topicConfigs);
        return FanoutConfig.of(TestKafka.bootstrap(), topic, db().url(), "sluice", List.of(RULE))
                .withGroupAndDeadLetter("fanout-" + id, "deadletter-" + id).withBatch(batchPoints, 100)
                .withConsumerProperties(KafkaFanoutIT.FAST_GROUP);
    }

    private static String reading(int i) {
        return "{\"ts\": " + (BASE_MS + i) + ", \"temp\": " + (i % 50) + ".5}";
    }

    /** Publishes payloads {@code payload.apply(i)} for i in [0, n) to partition 0, as the ingest path would. */
    private static void publish(String topic, String measurement, int n, IntFunction<byte[]> payload) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(FOUR_MIB));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                String device = "d" + (i % 5);
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, 0, utf8(device), payload.apply(i));
                r.headers().add("sluice.topic", utf8("sensors/" + device + "/" + measurement));
                producer.send(r);
            }
            producer.flush();
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static long committed(String group) throws Exception {
        return KafkaCluster.shared().admin().listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                .get(10, TimeUnit.SECONDS).values().stream().mapToLong(o -> o == null ? 0 : o.offset()).sum();
    }

    private static String header(ConsumerRecord<?, byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void hundredThousandOpeningBrackets_isADeadLetterWithItsReason_andTheReadingAfterItIsARow() throws Exception {
        String topic = newTopic(1, Map.of());
        db().createTable("brackets", List.of("device"), List.of("temp DOUBLE"));
        publish(topic, "brackets", 2, i -> i == 0 ? utf8("[".repeat(100_000)) : utf8(reading(i)));
        FanoutConfig cfg = config(topic, 100, Map.of());
        try (KafkaFanout fanout = KafkaFanout.start(cfg)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> db().count("brackets") == 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> committed(cfg.groupId()) == 2);
            assertEquals(Map.of("too_deep", 1L), fanout.stats().deadLetteredByReason());
            assertTrue(fanout.isRunning(), "the member is still the one that read the record");
        }
        assertEquals(1, db().queryLong("SELECT count() FROM brackets WHERE device = 'd1' AND temp = 1.5"));
        List<ConsumerRecord<String, byte[]>> dead = TestKafka.readAll(cfg.deadLetterTopic(), Duration.ofSeconds(30));
        assertEquals(1, dead.size());
        assertEquals("too_deep", header(dead.get(0), KafkaFanout.HEADER_REASON));
        assertTrue(header(dead.get(0), KafkaFanout.HEADER_MESSAGE).contains("deeper than 64"));
        assertEquals(100_000, dead.get(0).value().length);
    }

    @Test
    void close_writesTheBatchInHand_andCommitsItsOffsets() throws Exception {
        String topic = newTopic(1, Map.of());
        db().createTable("closing", List.of("device"), List.of("temp DOUBLE"));
        publish(topic, "closing", 300, i -> utf8(reading(i)));
        // a linger of a minute: the records wait in the batch until close writes them
        FanoutConfig cfg = config(topic, 1000, Map.of()).withBatch(1000, 60_000);
        KafkaFanout fanout = KafkaFanout.start(cfg, Clock.systemUTC(), FanoutListener.NONE, Duration.ofHours(1));
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> fanout.taken() == 300);
            assertEquals(0, fanout.stats().pointsWritten());
        } finally {
            fanout.close();
        }
        assertEquals(300, fanout.stats().pointsWritten(), "the last batch was written on close");
        assertEquals(300, committed(cfg.groupId()), "and its offsets committed");
        await().atMost(Duration.ofSeconds(30)).until(() -> db().count("closing") == 300);
    }

    /** Counts what the dead-letter producer sends: shows the client properties reached it. */
    public static final class CountingInterceptor implements ProducerInterceptor<byte[], byte[]> {
        static final AtomicLong SENT = new AtomicLong();

        @Override
        public ProducerRecord<byte[], byte[]> onSend(ProducerRecord<byte[], byte[]> record) {
            SENT.incrementAndGet();
            return record;
        }

        @Override
        public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
        }

        @Override
        public void close() {
        }

        @Override
        public void configure(Map<String, ?> configs) {
        }
    }

    @Test
    void deadLetterOfAReadingLargerThanOneMegabyte_isWritten_byAProducerWithTheClientProperties() throws Exception {
        Map<String, String> big = Map.of("max.message.bytes", Integer.toString(FOUR_MIB));
        String topic = newTopic(1, big);
        db().createTable("large", List.of("device"), List.of("temp DOUBLE"));
        int size = 1_500_000;
        publish(topic, "large", 2, i -> i == 0 ? utf8("{\"temp\": \"" + "x".repeat(size)) : utf8(reading(i)));
        Map<String, String> producer = new HashMap<>();
        producer.put("max.request.size", Integer.toString(FOUR_MIB));
        producer.put("interceptor.classes", CountingInterceptor.class.getName());
        FanoutConfig cfg = config(topic, 100, big).withProducerProperties(producer);
        long sentBefore = CountingInterceptor.SENT.get();
        try (KafkaFanout fanout = KafkaFanout.start(cfg)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> db().count("large") == 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> committed(cfg.groupId()) == 2);
            assertTrue(fanout.isRunning());
        }
        List<ConsumerRecord<String, byte[]>> dead = TestKafka.readAll(cfg.deadLetterTopic(), Duration.ofSeconds(30));
        assertEquals(1, dead.size());
        assertEquals("malformed_json", header(dead.get(0), KafkaFanout.HEADER_REASON));
        assertTrue(dead.get(0).value().length > size, "the whole reading is in its dead letter");
        assertEquals(1, CountingInterceptor.SENT.get() - sentBefore, "sent by the producer the properties built");
    }

    @Test
    void batchesOfTypeConflicts_finishWithinALowMaxPollInterval_eachReadingARowOrOneDeadLetter() throws Exception {
        String topic = newTopic(1, Map.of());
        db().createTable("conflicts", List.of("device"), List.of("temp DOUBLE"));
        int n = 4000;
        // every tenth reading is good; the rest carry a string where the table has a double (QuestDB: 400)
        publish(topic, "conflicts", n, i -> utf8(i % 10 == 0 ? reading(i)
                : "{\"ts\": " + (BASE_MS + i) + ", \"temp\": \"hot" + i + "\"}"));
        Map<String, String> consumer = new HashMap<>(KafkaFanoutIT.FAST_GROUP);
        consumer.put("max.poll.interval.ms", "3000");
        FanoutConfig cfg = config(topic, 500, Map.of()).withConsumerProperties(consumer);
        try (KafkaFanout fanout = KafkaFanout.start(cfg)) {
            await().atMost(Duration.ofSeconds(180)).until(() -> committed(cfg.groupId()) == n
                    || !fanout.isRunning());
            assertTrue(fanout.isRunning(), "the member was not evicted and did not stop");
        }
        long rows = db().count("conflicts");
        List<ConsumerRecord<String, byte[]>> dead = TestKafka.readAll(cfg.deadLetterTopic(), Duration.ofSeconds(60));
        Map<Long, List<String>> reasonsByOffset = dead.stream().collect(Collectors.groupingBy(
                r -> Long.parseLong(header(r, KafkaFanout.HEADER_SOURCE).replaceAll(".*@", "")),
                Collectors.mapping(r -> header(r, KafkaFanout.HEADER_REASON), Collectors.toList())));
        assertEquals(dead.size(), reasonsByOffset.size(), "no reading was dead-lettered twice (no batch redone)");
        for (long i = 0; i < n; i++) {
            if (i % 10 != 0) {
                assertTrue(reasonsByOffset.containsKey(i), "bad reading " + i + " is a dead letter");
            }
        }
        assertEquals(n, rows + dead.size(), "every reading is a row or a dead letter, once");
        assertTrue(reasonsByOffset.values().stream().flatMap(List::stream)
                .allMatch(r -> r.equals("rejected_by_tsdb") || r.equals("unresolved")), reasonsByOffset.toString());
    }
}
