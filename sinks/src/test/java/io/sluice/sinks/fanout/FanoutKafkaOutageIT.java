package io.sluice.sinks.fanout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sinks.FanoutConfig;
import io.sluice.sinks.MappingRule;
import io.sluice.sinks.PayloadFormat;
import io.sluice.sinks.TimePrecision;
import io.sluice.stack.KafkaCluster;
import io.sluice.stack.QuestDbServer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * A fan-out member lives through a Kafka outage: offsets it cannot commit while Kafka is away are kept and committed
 * once it is back; the member is never ended by the outage. Own single-broker cluster (it is stopped) and own TSDB.
 */
class FanoutKafkaOutageIT {
    private static final long BASE_MS = 1_700_000_000_000L;
    private static final MappingRule RULE = new MappingRule("sensors/{device}/{measurement}", null,
            PayloadFormat.JSON, null, "ts", TimePrecision.MS, "_", Map.of());

    @Test
    void commitsFailingWhileKafkaIsDown_doNotEndTheMember_andAreMadeOnceKafkaIsBack() throws Exception {
        try (KafkaCluster kafka = KafkaCluster.start(1); QuestDbServer tsdb = QuestDbServer.start()) {
            kafka.createTopic("readings", 2, 1, 1);
            kafka.createTopic("deadletter", 1, 1, 1);
            tsdb.createTable("outage", List.of("device"), List.of("temp DOUBLE"));
            // commits give up after 5 s (Kafka's default is 60 s), so a failing commit shows within the outage
            FanoutConfig cfg = FanoutConfig.of(kafka.bootstrapServers(), "readings", tsdb.url(), "sluice", List.of(RULE))
                    .withGroupAndDeadLetter("outage-group", "deadletter").withBatch(100, 100)
                    .withConsumerProperties(Map.of("default.api.timeout.ms", "5000", "request.timeout.ms", "3000"));
            try (KafkaFanout fanout = KafkaFanout.start(cfg, Clock.systemUTC(), io.sluice.sinks.FanoutListener.NONE,
                    Duration.ofMillis(200))) {
                publish(kafka, 0, 500);
                await().atMost(Duration.ofSeconds(90)).until(() -> tsdb.count("outage") == 500);
                await().atMost(Duration.ofSeconds(30)).until(() -> committed(kafka) == 500);

                // the member takes the next readings but cannot write them: the TSDB is away
                tsdb.stop();
                publish(kafka, 500, 1000);
                await().atMost(Duration.ofSeconds(60)).until(() -> fanout.stats().retries() >= 1);
                // Kafka goes away; the TSDB comes back, so the member writes what it holds and must commit it
                kafka.stopBroker(0);
                tsdb.restart();
                await().atMost(Duration.ofSeconds(120)).until(() -> tsdb.count("outage") == 1000);
                await().atMost(Duration.ofSeconds(60)).until(() -> fanout.failedCommits() >= 1);
                assertTrue(fanout.isRunning(), "a commit Kafka could not take ended the member");

                kafka.startBroker(0);
                await().atMost(Duration.ofSeconds(120)).until(() -> committed(kafka) == 1000);
                publish(kafka, 1000, 1100);
                await().atMost(Duration.ofSeconds(60)).until(() -> tsdb.count("outage") == 1100);
                assertTrue(fanout.isRunning());
                assertEquals(0, fanout.stats().deadLettered());
            }
        }
    }

    private static long committed(KafkaCluster kafka) throws Exception {
        Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> m = kafka.admin()
                .listConsumerGroupOffsets("outage-group").partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        return m.values().stream().filter(java.util.Objects::nonNull).mapToLong(OffsetAndMetadata::offset).sum();
    }

    private static void publish(KafkaCluster kafka, int from, int to) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
                new ByteArraySerializer())) {
            for (int i = from; i < to; i++) {
                String device = "d" + (i % 10);
                ProducerRecord<String, byte[]> r = new ProducerRecord<>("readings", device,
                        ("{\"ts\": " + (BASE_MS + i) + ", \"temp\": " + i + "}").getBytes(StandardCharsets.UTF_8));
                r.headers().add("sluice.topic", ("sensors/" + device + "/outage").getBytes(StandardCharsets.UTF_8));
                producer.send(r);
            }
            producer.flush();
        }
    }
}
