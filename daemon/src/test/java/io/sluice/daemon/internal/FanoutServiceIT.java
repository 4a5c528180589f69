package io.sluice.daemon.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.sinks.FanoutConfig;
import io.sluice.sinks.FanoutListener;
import io.sluice.sinks.MappingRule;
import io.sluice.stack.KafkaCluster;
import io.sluice.stack.QuestDbServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The fan-out service against a real Kafka and a real QuestDB: what one hostile reading does to it. */
class FanoutServiceIT {

    @Test
    void hundredThousandBrackets_thenAValidReading_deadLetterAndRow_membersRunning_noRestart() throws Exception {
        KafkaCluster kafka = KafkaCluster.shared();
        QuestDbServer db = QuestDbServer.shared();
        String id = UUID.randomUUID().toString();
        String topic = "svc-readings-" + id;
        String dlq = "svc-dlq-" + id;
        kafka.admin().createTopics(List.of(new NewTopic(topic, 1, (short) 1), new NewTopic(dlq, 1, (short) 1)))
                .all().get(30, TimeUnit.SECONDS);
        db.createTable("svc_brackets", List.of("device"), List.of("temp DOUBLE"));
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (String payload : List.of("[".repeat(100_000), "{\"temp\": 21.5}")) {
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, 0, utf8("d1"), utf8(payload));
                r.headers().add("sluice.topic", utf8("sensors/d1/svc_brackets"));
                producer.send(r).get(30, TimeUnit.SECONDS); // in this order, on one partition
            }
        }
        FanoutConfig cfg = FanoutConfig.of(kafka.bootstrapServers(), topic, db.url(), "sluice",
                        List.of(new MappingRule("sensors/{device}/{measurement}", null,
                                io.sluice.sinks.PayloadFormat.JSON, null, null, null, null, null)))
                .withGroupAndDeadLetter("svc-" + id, dlq)
                .withConsumerProperties(Map.of("session.timeout.ms", "6000", "heartbeat.interval.ms", "1000"));
        FanoutService service = FanoutService.start(cfg, 2, FanoutListener.NONE);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> db.count("svc_brackets") == 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> service.stats().lag() == 0);
            assertEquals(Map.of("too_deep", 1L), service.stats().deadLetteredByReason());
            assertEquals(2, service.running());
            assertEquals(0, service.stopped());
            assertEquals(0, service.restarts());
        } finally {
            service.close();
        }
        List<ConsumerRecord<String, byte[]>> dead = io.sluice.stack.KafkaRecords.readAll(kafka.bootstrapServers(),
                dlq, Duration.ofSeconds(30));
        assertEquals(1, dead.size());
        assertEquals("too_deep", new String(dead.get(0).headers().lastHeader("sluice.dlq.reason").value(),
                StandardCharsets.UTF_8));
        assertEquals(1, db.queryLong("SELECT count() FROM svc_brackets WHERE device = 'd1' AND temp = 21.5"));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
