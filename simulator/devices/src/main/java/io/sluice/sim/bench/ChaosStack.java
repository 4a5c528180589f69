package io.sluice.sim.bench;

import io.sluice.sim.LossAudit;
import io.sluice.sim.Neighbour;
import io.sluice.stack.KafkaCluster;
import io.sluice.stack.KafkaRecords;
import io.sluice.stack.QuestDbServer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * What the network fuzzer and every chaos scenario run against: a real Kafka (1 or 3 brokers, child JVMs), a real
 * QuestDB, and {@code sluice run} as a child JVM ({@link DaemonProcess}) with MQTT, MQTT-SN and line-protocol UDP on
 * and its fan-out writing {@code nb/{sensor}/#} readings to the table {@value #TABLE} (fuzz topics go to tables of
 * their own or to the dead-letter topic). Ends with the two audits: every reading the {@link Neighbour} saw
 * acknowledged is in the Kafka topic, and the TSDB table holds exactly as many rows as distinct neighbour readings
 * are in the topic. Blocking; not thread-safe (one scenario drives it).
 */
final class ChaosStack implements AutoCloseable {
    static final String TOPIC = "chaos.readings";
    static final String TABLE = "neighbour";
    static final String NEIGHBOUR_TOPICS = "nb";

    final KafkaCluster kafka;
    final QuestDbServer tsdb;
    final DaemonProcess daemon;
    final Path dir;
    private final PrintStream out;

    /**
     * Starts the stack. {@code overrides} are dotted config keys ({@code kafka.delivery_timeout_ms}) over the
     * defaults here.
     */
    ChaosStack(int brokers, Map<String, String> overrides, String daemonJvm, PrintStream out) throws Exception {
        this(brokers, Map.of(), overrides, daemonJvm, out);
    }

    /** As above, with broker properties over the test cluster's defaults ({@code brokerProperties}). */
    ChaosStack(int brokers, Map<String, String> brokerProperties, Map<String, String> overrides, String daemonJvm,
               PrintStream out) throws Exception {
        this.out = out;
        this.dir = Files.createTempDirectory("sluice-chaos-");
        long t0 = System.nanoTime();
        CompletableFuture<QuestDbServer> tsdbStart = CompletableFuture.supplyAsync(
                () -> QuestDbServer.start(List.of(), true, "1g"));
        KafkaCluster k = null;
        QuestDbServer q = null;
        DaemonProcess d = null;
        try {
            k = KafkaCluster.start(brokers, brokerProperties);
            q = tsdbStart.join();
            q.createTable(TABLE, List.of("sensor"), List.of("temp DOUBLE", "seq DOUBLE"));
            Map<String, String> c = new LinkedHashMap<>();
            c.put("node_id", "chaos");
            c.put("mqtt.host", "127.0.0.1");
            c.put("mqtt.port", "%MQTT_PORT%");
            c.put("mqtt_sn.enabled", "true");
            c.put("mqtt_sn.host", "127.0.0.1");
            c.put("mqtt_sn.port", "%MQTT_SN_PORT%");
            c.put("line_udp.enabled", "true");
            c.put("line_udp.host", "127.0.0.1");
            c.put("line_udp.port", "%LINE_UDP_PORT%");
            c.put("kafka.bootstrap_servers", k.bootstrapServers());
            c.put("kafka.readings_topic", TOPIC);
            c.put("kafka.sessions_topic", "chaos.sessions");
            c.put("kafka.topic_partitions", "6");
            c.put("kafka.topic_replication_factor", Integer.toString(Math.min(3, brokers)));
            c.put("kafka.topic_min_insync_replicas", Integer.toString(Math.min(2, brokers)));
            c.put("fanout.enabled", "true");
            c.put("fanout.influx_url", q.url());
            c.put("fanout.group_id", "chaos-fanout");
            c.put("fanout.dead_letter_topic", "chaos.deadletter");
            c.put("fanout.linger_ms", "100");
            c.put("fanout.retry_max_ms", "2000");
            c.put("fanout.rules", "[{topic: '" + NEIGHBOUR_TOPICS + "/{sensor}/#', measurement: " + TABLE
                    + ", timestamp_field: ts, precision: ms}, {topic: 'fz/{sensor}/#', measurement: fuzz},"
                    + " {topic: fz_m, measurement: fuzz_line, format: line_protocol}]");
            c.put("shutdown.drain_timeout_ms", "5000");
            c.put("log.level", "warn");
            c.putAll(overrides);
            List<String> jvm = new ArrayList<>(List.of(daemonJvm.trim().split("\\s+")));
            d = new DaemonProcess(dir, yaml(c), jvm).start(Duration.ofSeconds(120));
        } catch (Exception | Error e) {
            if (d != null) {
                d.close();
            }
            if (q != null) {
                q.close();
            }
            if (k != null) {
                k.close();
            }
            throw e;
        }
        this.kafka = k;
        this.tsdb = q;
        this.daemon = d;
        out.printf(Locale.ROOT, "stack: %d Kafka broker(s) at %s, QuestDB at %s, sluice pid %d (MQTT %d, MQTT-SN %d,"
                        + " line UDP %d, JVM %s), started in %.1f s%n", brokers, kafka.bootstrapServers(), tsdb.url(),
                daemon.pid(), daemon.mqttPort, daemon.mqttSnPort, daemon.lineUdpPort, daemonJvm,
                (System.nanoTime() - t0) / 1e9);
    }

    /** A nested YAML document from dotted keys; values are written as given (flow lists, numbers, strings). */
    static String yaml(Map<String, String> dotted) {
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        StringBuilder top = new StringBuilder();
        dotted.forEach((key, value) -> {
            int dot = key.indexOf('.');
            if (dot < 0) {
                top.append(key).append(": ").append(value).append('\n');
            } else {
                sections.computeIfAbsent(key.substring(0, dot), s -> new LinkedHashMap<>())
                        .put(key.substring(dot + 1), value);
            }
        });
        StringBuilder sb = new StringBuilder(top);
        sections.forEach((section, keys) -> {
            sb.append(section).append(":\n");
            keys.forEach((k, v) -> sb.append("  ").append(k).append(": ").append(v).append('\n'));
        });
        return sb.toString();
    }

    /** A neighbour on the daemon's MQTT port; topics {@code nb/<device>/temperature}. */
    Neighbour neighbour(int devices, double rate, int window, int mqttVersion) {
        String prefix = "nb" + Long.toString(System.currentTimeMillis() % 1_000_000, 36) + "-";
        return new Neighbour("127.0.0.1", daemon.mqttPort, mqttVersion, devices, rate, window, 128, prefix,
                NEIGHBOUR_TOPICS);
    }

    /**
     * The two audits of the neighbour's readings. Kafka: every acknowledged reading is in the topic (records of
     * other clients are skipped by key). TSDB: the table's exact row count reaches the number of distinct neighbour
     * readings in the topic within {@code tsdbWait} (rows of the same reading collapse by deduplication).
     */
    Audit audit(Neighbour neighbour, Duration tsdbWait) {
        Set<String> ids = neighbour.deviceIds();
        LossAudit audit = new LossAudit(neighbour.ledger());
        long[] others = new long[1];
        KafkaRecords.forEach(kafka.bootstrapServers(), TOPIC, Duration.ofSeconds(300), r -> {
            if (r.key() != null && ids.contains(r.key())) {
                audit.record(r.value());
            } else {
                others[0]++;
            }
        });
        LossAudit.Result kafkaAudit = audit.result();
        long expected = kafkaAudit.present();
        long deadline = System.nanoTime() + tsdbWait.toNanos();
        long rows = tsdb.count(TABLE);
        while (rows < expected && System.nanoTime() < deadline) {
            sleep(500); // rows appear as the fan-out catches up: poll until all are there or the deadline passes
            rows = tsdb.count(TABLE);
        }
        Audit a = new Audit(kafkaAudit, others[0], expected, rows);
        out.println(a);
        if (rows != expected) {
            out.printf("fan-out lag (records) when the TSDB audit ended: %.0f%n", daemon.metric("sluice_fanout_lag"));
        }
        return a;
    }

    /**
     * @param kafka        the loss audit of the neighbour's readings in the topic
     * @param otherRecords records of other clients (fuzz, flood) in the topic, skipped
     * @param expectedRows distinct neighbour readings in the topic
     * @param rows         rows in the TSDB table at the end of the wait
     */
    record Audit(LossAudit.Result kafka, long otherRecords, long expectedRows, long rows) {
        boolean passed() {
            return kafka.passed() && rows == expectedRows;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s (%,d records of other clients skipped)%nTSDB audit %s: %,d rows in"
                            + " table '%s' for %,d distinct neighbour readings in Kafka (exact SQL count)", kafka,
                    otherRecords, rows == expectedRows ? "PASSED" : "FAILED", rows, TABLE, expectedRows);
        }
    }

    /** A daemon memory line for reports. */
    String memory() {
        daemon.sample();
        return String.format(Locale.ROOT, "daemon peak RSS %.0f MiB, peak heap in use %.0f MiB (sampled)",
                daemon.peakRssBytes() / 1048576.0, daemon.peakHeapBytes() / 1048576.0);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        daemon.close();
        tsdb.close();
        kafka.close();
        out.println("daemon config and log kept in " + dir);
    }
}
