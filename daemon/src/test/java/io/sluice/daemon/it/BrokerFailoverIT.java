package io.sluice.daemon.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.config.ConfigLoader;
import io.sluice.stack.KafkaCluster;
import io.sluice.stack.KafkaRecords;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Replication is what makes an acknowledgement worth having: with three brokers, RF 3 and min.insync.replicas 2,
 * a broker killed in the middle of the load loses nothing that was acknowledged.
 */
class BrokerFailoverIT {
    private static final int DEVICES = 10;
    private static final int MESSAGES_EACH = 300;

    @Test
    void brokerKilledUnderLoad_everyAcknowledgedMessageIsInKafka() throws Exception {
        try (KafkaCluster cluster = KafkaCluster.start(3)) {
            String topic = "failover-readings";
            Map<String, String> settings = new java.util.HashMap<>(TestKafka.adminSettings());
            settings.putAll(Map.of(
                    "node_id", "failover-node", "mqtt.host", "127.0.0.1", "mqtt.port", "0",
                    "kafka.bootstrap_servers", cluster.bootstrapServers(),
                    "kafka.readings_topic", topic, "kafka.sessions_topic", "failover-sessions",
                    "kafka.topic_partitions", "6", "kafka.topic_replication_factor", "3",
                    "kafka.topic_min_insync_replicas", "2"));
            try (SluiceDaemon daemon = SluiceDaemon.start(ConfigLoader.fromMap(settings))) {
                Set<String> acked = ConcurrentHashMap.newKeySet();
                AtomicInteger failed = new AtomicInteger();
                List<CompletableFuture<Void>> runs = new ArrayList<>();
                List<Mqtt5AsyncClient> clients = new ArrayList<>();
                for (int d = 0; d < DEVICES; d++) {
                    Mqtt5AsyncClient c = MqttClient.builder().useMqttVersion5().identifier("fo-" + d)
                            .serverHost("127.0.0.1").serverPort(daemon.mqttPort()).buildAsync();
                    c.connect().join();
                    clients.add(c);
                    runs.add(publishAll(c, "fo-" + d, acked, failed));
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> acked.size() > DEVICES * MESSAGES_EACH / 5);
                cluster.stopBroker(1); // kill -9 one broker mid-load
                CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).get(180, TimeUnit.SECONDS);
                clients.forEach(c -> c.disconnect().join());
                assertEquals(0, failed.get(), "with 2 of 3 replicas in sync every write can still be acknowledged");
                assertEquals(DEVICES * MESSAGES_EACH, acked.size());

                Set<String> inKafka = new HashSet<>();
                KafkaRecords.forEach(cluster.bootstrapServers(), topic, Duration.ofSeconds(60),
                        r -> inKafka.add(new String(r.value(), StandardCharsets.UTF_8)));
                Set<String> missing = new HashSet<>(acked);
                missing.removeAll(inKafka);
                assertTrue(missing.isEmpty(), missing.size() + " acknowledged messages missing, e.g. "
                        + missing.stream().limit(5).toList());
            }
        }
    }

    private static CompletableFuture<Void> publishAll(Mqtt5AsyncClient c, String id, Set<String> acked,
                                                      AtomicInteger failed) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Semaphore window = new Semaphore(8);
        Thread.ofVirtual().start(() -> {
            List<CompletableFuture<?>> all = new ArrayList<>();
            try {
                for (int seq = 0; seq < MESSAGES_EACH; seq++) {
                    window.acquire();
                    String payload = id + ":" + seq;
                    all.add(c.publishWith().topic("plant/" + id).qos(MqttQos.AT_LEAST_ONCE)
                            .payload(payload.getBytes(StandardCharsets.UTF_8)).send()
                            .whenComplete((r, e) -> {
                                if (e == null) {
                                    acked.add(payload);
                                } else {
                                    failed.incrementAndGet();
                                }
                                window.release();
                            }));
                }
                CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).handle((v, e) -> null).join();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        return done;
    }
}
