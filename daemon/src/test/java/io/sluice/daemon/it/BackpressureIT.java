package io.sluice.daemon.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Publishers far faster than Kafka: the broker throttles the daemon's producer with a real Kafka quota, while
 * publishers offer more bytes than the daemon's whole heap. The daemon must push back through TCP instead of
 * buffering: it survives with a small -Xmx (and would exit on OutOfMemoryError), and every acknowledged message is
 * in Kafka.
 */
class BackpressureIT {
    private static final int PUBLISHERS = 8;
    private static final int MESSAGES_EACH = 160;
    private static final int PAYLOAD_BYTES = 64 * 1024;

    @Test
    void fastPublishers_slowKafka_heapStaysBounded_andEveryAckedMessageIsInKafka(@TempDir Path dir) throws Exception {
        TestKafka kafka = TestKafka.shared();
        String node = "bp-node";
        kafka.throttleProducer("sluice-" + node, 8_000_000); // bytes/s the broker accepts from the daemon
        int port = DaemonProcess.freePort();
        String yaml = kafka.daemonYaml("backpressure", port,
                "ingest:\n  max_inflight_bytes: 4194304").replace("node_id: it-node", "node_id: " + node)
                .replace("\nkafka:\n", "\nkafka:\n  buffer_memory_bytes: 8388608\n");
        assertTrue(yaml.contains("buffer_memory_bytes: 8388608"), yaml);
        // 64 MiB of heap; 8 x 160 x 64 KiB = 80 MiB of incompressible payload offered, so buffering instead of
        // pushing back would not fit.
        try (DaemonProcess daemon = new DaemonProcess(dir, yaml, port,
                List.of("-Xmx64m", "-XX:+ExitOnOutOfMemoryError")).start()) {
            Set<String> acked = ConcurrentHashMap.newKeySet();
            List<CompletableFuture<Void>> runs = new ArrayList<>();
            List<Mqtt5AsyncClient> clients = new ArrayList<>();
            for (int p = 0; p < PUBLISHERS; p++) {
                Mqtt5AsyncClient c = MqttClient.builder().useMqttVersion5().identifier("bp-" + p)
                        .serverHost("127.0.0.1").serverPort(port).buildAsync();
                c.connect().join();
                clients.add(c);
                runs.add(publishAll(c, "bp-" + p, acked));
            }
            CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).get();
            assertTrue(daemon.process().isAlive(), "daemon died under load:\n" + daemon.log());
            assertEquals(PUBLISHERS * MESSAGES_EACH, acked.size(), "every message was acknowledged");
            clients.forEach(c -> c.disconnect().join());

            Set<String> inKafka = new HashSet<>();
            String topic = kafka.readingsTopicOf(yaml);
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                inKafka.clear();
                for (ConsumerRecord<String, byte[]> r : kafka.readAll(topic)) {
                    inKafka.add(r.key() + ":" + ByteBuffer.wrap(r.value()).getInt());
                }
                return inKafka.containsAll(acked);
            });
            assertTrue(inKafka.containsAll(acked));

            assertEquals(0, daemon.terminate(Duration.ofSeconds(60)), daemon.log());
            java.util.regex.Matcher paused = java.util.regex.Pattern.compile("reads paused (\\d+) times")
                    .matcher(daemon.log());
            assertTrue(paused.find(), daemon.log());
            assertTrue(Long.parseLong(paused.group(1)) > 0, "backpressure never engaged:\n" + daemon.log());
        } finally {
            kafka.throttleProducer("sluice-" + node, 0);
        }
    }

    /** Publishes MESSAGES_EACH messages keeping up to 32 outstanding; completes when all are acknowledged. */
    private static CompletableFuture<Void> publishAll(Mqtt5AsyncClient c, String id, Set<String> acked) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Semaphore window = new Semaphore(32);
        Thread.ofVirtual().start(() -> {
            List<CompletableFuture<?>> all = new ArrayList<>();
            try {
                for (int seq = 0; seq < MESSAGES_EACH; seq++) {
                    window.acquire();
                    byte[] payload = new byte[PAYLOAD_BYTES];
                    java.util.concurrent.ThreadLocalRandom.current().nextBytes(payload); // lz4 must not shrink it
                    ByteBuffer.wrap(payload).putInt(seq);
                    int s = seq;
                    all.add(c.publishWith().topic("load/" + id).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send()
                            .whenComplete((r, e) -> {
                                if (e == null) {
                                    acked.add(id + ":" + s);
                                }
                                window.release();
                            }));
                }
                CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        return done;
    }
}
