package io.sluice.sim.bench;

import io.sluice.daemon.internal.Logging;
import io.sluice.mqtt.internal.SessionCodec;
import io.sluice.mqtt.internal.SessionState;
import io.sluice.stack.KafkaCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice-sim bench-sessions}: offline persistent sessions at scale. Writes N sessions (as Sluice stores them:
 * MQTT 3.1.1, clean session off, disconnected, no subscriptions, or one subscription with --subscribed) to a
 * sessions topic of a local Kafka, then starts a Sluice node (its own JVM) on it and reports the time from process
 * start to ready (every session loaded, port open) and the node's live heap per session after a full GC.
 */
@Command(name = "bench-sessions", mixinStandardHelpOptions = true,
        description = "Restart time and heap per offline persistent session, for N sessions in the sessions topic.")
public final class OfflineSessionsBenchCommand implements Callable<Integer> {
    @Option(names = "--sessions", description = "offline sessions (default ${DEFAULT-VALUE})")
    int sessions = 1_000_000;
    @Option(names = "--subscribed", description = "give each session one subscription")
    boolean subscribed;
    @Option(names = "--heap", description = "the node's -Xmx (default ${DEFAULT-VALUE})")
    String heap = "4g";
    @Option(names = "--queued", description = "then publish this many QoS 1 messages to the first sessions' command"
            + " topics (needs --subscribed) and report the heap per queued message (default ${DEFAULT-VALUE})")
    int queued = 0;
    @Option(names = "--queued-sessions", description = "sessions the --queued messages are spread over"
            + " (default ${DEFAULT-VALUE}; at most delivery.max_queued_messages_per_session each)")
    int queuedSessions = 100;
    @Option(names = "--payload-bytes", description = "payload of each --queued message (default ${DEFAULT-VALUE})")
    int payloadBytes = 32;
    @Option(names = "--node-jvm-option", description = "a further JVM option of the node, e.g."
            + " -Xlog:gc:file=/tmp/gc.log (repeatable)")
    List<String> nodeJvmOptions = new ArrayList<>();

    private static int freePort() throws java.io.IOException {
        try (var s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public Integer call() throws Exception {
        Logging.configure("warn", "text");
        Path dir = Files.createTempDirectory("sluice-bench-sessions-");
        try (KafkaCluster kafka = KafkaCluster.start(1)) {
            String topic = "bench.sessions";
            kafka.createTopic(topic, 12, 1, 1);
            long t0 = System.nanoTime();
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
            p.put(ProducerConfig.BATCH_SIZE_CONFIG, "524288");
            p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
            long now = System.currentTimeMillis();
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
                    new ByteArraySerializer())) {
                for (int i = 0; i < sessions; i++) {
                    String id = String.format("sensor-%08d", i);
                    Map<String, Integer> subs = subscribed ? Map.of("cmd/" + id + "/#", 1) : Map.of();
                    byte[] value = SessionCodec.encode(new SessionState(id, 4, 86_400 * 7, now, subs));
                    producer.send(new ProducerRecord<>(topic, id, value));
                }
                producer.flush();
            }
            System.out.printf("bench-sessions: wrote %,d offline sessions%s in %.1f s%n", sessions,
                    subscribed ? " (one subscription each)" : "", (System.nanoTime() - t0) / 1e9);

            Path conf = dir.resolve("sluice.yaml");
            int mqttPort = freePort();
            int adminPort = freePort();
            Files.writeString(conf, String.join("\n", "node_id: bench-sessions",
                    "mqtt:", "  host: 127.0.0.1", "  port: " + mqttPort,
                    "admin:", "  port: " + adminPort, "  token_file: " + dir.resolve("admin.token"),
                    "kafka:", "  bootstrap_servers: " + kafka.bootstrapServers(), "  readings_topic: bench.readings",
                    "  sessions_topic: " + topic, "  topic_partitions: 12", "  topic_replication_factor: 1",
                    "  topic_min_insync_replicas: 1", "log:", "  level: info", ""));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Path log = dir.resolve("sluice.log");
            long start = System.nanoTime();
            List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + heap));
            cmd.addAll(nodeJvmOptions);
            cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp",
                    System.getProperty("java.class.path"), "io.sluice.daemon.cli.SluiceCommand", "run", "--config",
                    conf.toString()));
            Process node = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                long deadline = start + TimeUnit.MINUTES.toNanos(30);
                while (!Files.readString(log, StandardCharsets.UTF_8).contains(" ready: MQTT on ")) {
                    if (!node.isAlive() || System.nanoTime() > deadline) {
                        System.out.println("the node did not become ready:\n" + Files.readString(log));
                        return 1;
                    }
                    Thread.sleep(100); // start-up probe
                }
                double ready = (System.nanoTime() - start) / 1e9;
                long heapKib = IdleConnectionsBenchCommand.liveHeapKib(node.pid());
                // the start-up steps the node logs with their times, to see where the time to ready goes
                String loaded = Files.readString(log).lines().filter(l -> l.contains("Loaded") && l.contains("session")
                                || l.contains("Delivery index") || l.contains("Delivery log") || l.contains("MQTT listening"))
                        .reduce("", (a, b) -> a + "\n  " + b);
                System.out.printf("node with -Xmx%s: ready %.1f s after its process started; live heap %,d KiB after a"
                                + " full GC, %.0f bytes per session (%,.0f MiB for 10M at that rate)%s%n", heap, ready,
                        heapKib, heapKib * 1024.0 / sessions, heapKib * 1024.0 / sessions * 10_000_000 / (1 << 20),
                        loaded);
                if (queued > 0) {
                    long t1 = System.nanoTime();
                    QueuedMessages.publish(mqttPort, queued, queuedSessions, payloadBytes);
                    QueuedMessages.awaitDispatched(adminPort, dir.resolve("admin.token"), queued);
                    long queuedKib = IdleConnectionsBenchCommand.liveHeapKib(node.pid());
                    System.out.printf("%,d QoS 1 messages (%d-byte payload) queued for %,d offline sessions in %.1f"
                                    + " s: live heap %,d KiB, %.0f bytes per queued message%n", queued, payloadBytes,
                            queuedSessions, (System.nanoTime() - t1) / 1e9, queuedKib,
                            (queuedKib - heapKib) * 1024.0 / queued);
                }
            } finally {
                node.destroy();
                if (!node.waitFor(60, TimeUnit.SECONDS)) {
                    node.destroyForcibly();
                }
            }
        }
        return 0;
    }
}
