package io.sluice.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The harness itself, against real brokers. */
class KafkaClusterTest {

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    @Test
    void singleBroker_roundTrip_andDataSurvivesAKillAndRestart() throws Exception {
        try (KafkaCluster cluster = KafkaCluster.start(1)) {
            cluster.createTopic("round-trip", 2, 1, 1);
            try (KafkaProducer<String, byte[]> producer = producer(cluster.bootstrapServers())) {
                producer.send(new ProducerRecord<>("round-trip", "k", new byte[] {1, 2, 3})).get(30, TimeUnit.SECONDS);
            }
            cluster.stopBroker(0);
            cluster.startBroker(0);
            var records = KafkaRecords.readAll(cluster.bootstrapServers(), "round-trip", Duration.ofSeconds(30));
            assertEquals(1, records.size());
            assertEquals("k", records.get(0).key());
            assertArrayEquals(new byte[] {1, 2, 3}, records.get(0).value());
        }
    }

    @Test
    void threeBrokers_acksAllSurvivesOneBrokerDown_andTheBrokerRejoins() throws Exception {
        try (KafkaCluster cluster = KafkaCluster.start(3)) {
            assertEquals(3, cluster.admin().describeCluster().nodes().get(10, TimeUnit.SECONDS).size());
            cluster.createTopic("replicated", 3, 3, 2);
            try (KafkaProducer<String, byte[]> producer = producer(cluster.bootstrapServers())) {
                producer.send(new ProducerRecord<>("replicated", "before", new byte[] {1})).get(30, TimeUnit.SECONDS);
                cluster.stopBroker(2);
                RecordMetadata during = producer.send(new ProducerRecord<>("replicated", "during", new byte[] {2}))
                        .get(60, TimeUnit.SECONDS);
                assertTrue(during.offset() >= 0);
                cluster.startBroker(2);
                assertEquals(3, cluster.admin().describeCluster().nodes().get(10, TimeUnit.SECONDS).size());
            }
            List<String> keys = KafkaRecords.readAll(cluster.bootstrapServers(), "replicated", Duration.ofSeconds(30))
                    .stream().map(r -> r.key()).sorted().toList();
            assertEquals(List.of("before", "during"), keys);
        }
    }
}
