package io.sluice.sinks.fanout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.sinks.FanoutConfig;
import io.sluice.sinks.kafka.TestKafka;
import io.sluice.sinks.MappingRule;
import io.sluice.stack.QuestDbServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The group's lag from its committed offsets, right while no member runs. */
class GroupLagIT {

    private static void publish(String topic, int n) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, i % 3, null,
                        ("{\"v\": " + i + "}").getBytes(StandardCharsets.UTF_8));
                r.headers().add("sluice.topic", "lag/m".getBytes(StandardCharsets.UTF_8));
                producer.send(r);
            }
            producer.flush();
        }
    }

    @Test
    void lag_countsEveryPartitionPastTheGroupsCommits_whileNoMemberRuns() {
        String topic = "lag-" + UUID.randomUUID();
        String dlq = "lag-dlq-" + UUID.randomUUID();
        TestKafka.createTopic(topic, 3, Map.of());
        TestKafka.createTopic(dlq, 1, Map.of());
        String group = "lag-group-" + UUID.randomUUID();
        QuestDbServer db = QuestDbServer.shared();
        db.createTable("lagged", List.of(), List.of("v DOUBLE"));
        try (GroupLag lag = new GroupLag(TestKafka.bootstrap(), topic, group, Map.of())) {
            publish(topic, 300);
            assertEquals(300, lag.measure(Duration.ofSeconds(10)), "no member ever ran: all of it");
            FanoutConfig cfg = FanoutConfig.of(TestKafka.bootstrap(), topic, db.url(), "sluice",
                    List.of(new MappingRule("lag/+", "lagged", io.sluice.sinks.PayloadFormat.JSON, null, null, null,
                            null, null))).withGroupAndDeadLetter(group, dlq)
                    .withConsumerProperties(KafkaFanoutIT.FAST_GROUP);
            try (KafkaFanout fanout = KafkaFanout.start(cfg)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> lag.measure(Duration.ofSeconds(5)) == 0);
            }
            publish(topic, 120);
            assertEquals(120, lag.measure(Duration.ofSeconds(10)), "the member is gone; the lag is still exact");
        }
        try (GroupLag unreachable = new GroupLag("127.0.0.1:1", topic, group, Map.of())) {
            assertEquals(-1, unreachable.measure(Duration.ofMillis(500)));
        }
    }
}
