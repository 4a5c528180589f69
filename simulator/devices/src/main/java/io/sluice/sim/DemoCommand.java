package io.sluice.sim;

import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.config.ConfigLoader;
import io.sluice.daemon.config.SluiceConfig;
import io.sluice.daemon.internal.Logging;
import io.sluice.sinks.FanoutStats;
import io.sluice.stack.KafkaCluster;
import io.sluice.stack.QuestDbServer;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The local demo: a real single-broker Kafka (a child JVM), the Sluice daemon in this JVM, simulated devices
 * publishing QoS 1, then a summary of throughput, latency and the loss audit. Exit 0 when every acknowledged
 * message is in Kafka and no publish failed, 1 otherwise.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start a local Kafka and Sluice, drive simulated devices at it, print throughput, latency and"
                + " the loss audit. Exit 0 when every acknowledged message is in Kafka, 1 otherwise.")
public final class DemoCommand implements Callable<Integer> {
    static final String READINGS_TOPIC = "sluice.readings";

    static final String TSDB_TABLE = "temperature";

    @Mixin
    LoadOptions load = LoadOptions.demoDefaults();

    @Option(names = "--no-tsdb", description = "skip the TSDB: no QuestDB, no fan-out, Kafka only")
    boolean noTsdb;

    @Mixin
    ReportOptions reports = new ReportOptions();

    @Override
    public Integer call() throws Exception {
        Logging.configure("warn", "text");
        // the broker is starting while clients already probe it: their connection warnings are expected here
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.apache.kafka"))
                .setLevel(ch.qos.logback.classic.Level.ERROR);
        PrintStream out = System.out;
        out.printf("Sluice demo on %d core(s): starting a local Kafka broker%s...%n",
                Runtime.getRuntime().availableProcessors(), noTsdb ? "" : " and a local QuestDB (InfluxDB write API)");
        Started started = new Started();
        Thread hook = new Thread(started::close, "sluice-demo-shutdown"); // Ctrl-C: stop Sluice, then Kafka
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            // the two servers start side by side: each is a child JVM that takes a few seconds
            CompletableFuture<QuestDbServer> tsdbStart = noTsdb ? CompletableFuture.completedFuture(null)
                    : CompletableFuture.supplyAsync(QuestDbServer::start);
            KafkaCluster kafka = started.add(KafkaCluster.start(1));
            QuestDbServer tsdb = tsdbStart.join();
            if (tsdb != null) {
                started.add(tsdb);
                tsdb.createTable(TSDB_TABLE, List.of("sensor"), List.of("temp DOUBLE", "seq DOUBLE"));
            }
            Outcome outcome = run(kafka, tsdb == null ? null : new Tsdb(tsdb, TSDB_TABLE), load, READINGS_TOPIC, out,
                    started);
            reports.write(load.spec("127.0.0.1", 0), outcome.load(), outcome.audit(), "", "Sluice demo", out);
            if (outcome.audit().passed() && outcome.load().failed() > 0) {
                out.printf("exit 1: %,d publishes failed (the audit covers acknowledged messages only)%n",
                        outcome.load().failed());
            }
            return outcome.exitCode();
        } finally {
            started.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        }
    }

    /**
     * Starts a Sluice node against {@code kafka} writing to {@code topic}, drives the devices, audits the topic
     * and prints the summary to {@code out}. The daemon is registered with {@code started}, which closes it.
     * Blocking.
     */
    static Outcome run(KafkaCluster kafka, Tsdb tsdb, LoadOptions load, String topic, PrintStream out,
                       Started started) throws Exception {
        Path adminDir = Files.createTempDirectory("sluice-demo-");
        started.add(() -> deleteTree(adminDir));
        Map<String, String> settings = new HashMap<>(Map.ofEntries(
                Map.entry("node_id", "demo"),
                Map.entry("mqtt.host", "127.0.0.1"),
                Map.entry("mqtt.port", "0"),
                Map.entry("kafka.bootstrap_servers", kafka.bootstrapServers()),
                Map.entry("kafka.readings_topic", topic),
                Map.entry("kafka.sessions_topic", topic + "-sessions"),
                Map.entry("kafka.topic_replication_factor", "1"),
                Map.entry("kafka.topic_min_insync_replicas", "1"),
                Map.entry("admin.port", "0"),
                Map.entry("admin.token_file", adminDir.resolve("admin.token").toString()),
                Map.entry("shutdown.drain_timeout_ms", "2000")));
        if (tsdb != null) {
            settings.putAll(Map.of(
                    "fanout.enabled", "true",
                    "fanout.influx_url", tsdb.server().url(),
                    "fanout.group_id", "demo-fanout-" + topic,
                    "fanout.dead_letter_topic", topic + "-deadletter",
                    "fanout.linger_ms", "100",
                    // the topic's last segment is the sensor's quantity; every reading goes to the demo's table
                    "fanout.rules", "[{topic: 'sensors/{sensor}/#', measurement: " + tsdb.table()
                            + ", timestamp_field: ts, precision: ms}]"));
        }
        SluiceConfig config = ConfigLoader.fromMap(settings);
        SluiceDaemon daemon = started.add(SluiceDaemon.start(config));
        LoadSpec spec = load.spec("127.0.0.1", daemon.mqttPort());
        out.printf("Sluice listening on 127.0.0.1:%d, Kafka at %s (topic %s); %,d devices x %,d QoS%d messages"
                        + " (MQTT %s, window %d, %d-byte payloads)%n", daemon.mqttPort(), kafka.bootstrapServers(),
                topic, spec.devices(), spec.messagesPerDevice(), spec.qos(), spec.mqttVersion() == 5 ? "5" : "3.1.1",
                spec.windowPerDevice(), spec.payloadBytes());

        AckLedger ledger = new AckLedger();
        long cpuBefore = processCpuNanos();
        LoadReport report = new MqttLoad(spec, ledger).openLoop(load.rate).run(out);
        long loadEnded = System.nanoTime();
        double cpuSeconds = (processCpuNanos() - cpuBefore) / 1e9;
        out.println(report.summary());
        out.printf("process CPU seconds during the run: %.1f on %d core(s) (daemon, devices and Kafka client share"
                        + " this JVM; the broker is a separate process)%n", cpuSeconds,
                Runtime.getRuntime().availableProcessors());
        LossAudit.Result audit = Auditor.audit(kafka.bootstrapServers(), topic, ledger, Duration.ofSeconds(120));
        out.println(audit);
        TsdbCheck tsdbCheck = tsdb == null ? null : tsdbCheck(tsdb, report, loadEnded, daemon, out);
        return new Outcome(report, ledger, audit, cpuSeconds, tsdbCheck);
    }

    /** Where the demo's fan-out writes: a QuestDB server and the table (measurement) of every reading. */
    record Tsdb(QuestDbServer server, String table) {
    }

    /**
     * The fan-out's side of the audit: rows in the TSDB table against the readings acknowledged (QoS 1), by an exact
     * SQL count. Every simulated reading has its own timestamp, so the count matches only if each was written once
     * (rewrites collapse by deduplication).
     */
    record TsdbCheck(long expected, long rows, boolean passed, double secondsAfterLoad) {
    }

    private static TsdbCheck tsdbCheck(Tsdb tsdb, LoadReport report, long loadEnded, SluiceDaemon daemon,
                                       PrintStream out)
            throws InterruptedException {
        long expected = report.acknowledged();
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(120).toNanos();
        long rows = tsdb.server().count(tsdb.table());
        while (rows < expected && System.nanoTime() < deadline) {
            Thread.sleep(200); // rows appear asynchronously; poll until all are there or the deadline passes
            rows = tsdb.server().count(tsdb.table());
        }
        boolean exact = rows >= expected;
        double seconds = (System.nanoTime() - loadEnded) / 1e9;
        FanoutStats f = daemon.fanout().stats();
        boolean passed = report.qos() == 0 || rows == expected;
        out.printf("TSDB: %,d rows in QuestDB table '%s' for %,d acknowledged readings (exact SQL count), %s %.1f s"
                        + " after the last PUBACK (Kafka audit included); fan-out wrote %,d points in %,d batches (mean write %.1f ms),"
                        + " %,d dead letters%n", rows, tsdb.table(), expected,
                exact ? "all there" : "still short", seconds, f.pointsWritten(), f.batches(),
                f.batches() == 0 ? 0.0 : f.writeNanos() / 1e6 / f.batches(), f.deadLettered());
        out.printf("TSDB audit %s%n", passed ? "PASSED: every acknowledged reading is one row"
                : "FAILED: " + (rows < expected ? (expected - rows) + " acknowledged readings are not in the TSDB"
                        : (rows - expected) + " rows more than readings"));
        return new TsdbCheck(expected, rows, passed, seconds);
    }

    /**
     * What a demo run measured.
     *
     * @param load       the devices' view: sent, acknowledged, failed, latency
     * @param ledger     every sent and acknowledged (device, seq), for audits
     * @param audit      the topic read back against the ledger
     * @param cpuSeconds this process's CPU time during the load (daemon and devices together)
     * @param tsdb       rows in the TSDB against acknowledged readings, or null when the demo ran without one
     */
    record Outcome(LoadReport load, AckLedger ledger, LossAudit.Result audit, double cpuSeconds, TsdbCheck tsdb) {
        int exitCode() {
            return audit.passed() && load.failed() == 0 && (tsdb == null || tsdb.passed()) ? 0 : 1;
        }
    }

    /**
     * What the demo started, closed newest first and once: by the normal path or by the Ctrl-C hook. Each gets
     * {@link #STOP_LIMIT} to stop: on Ctrl-C the stack's own hook kills the broker at the same time, and a Sluice
     * node whose Kafka is gone cannot flush, so the demo goes on to stop the rest rather than hang.
     */
    static final class Started implements AutoCloseable {
        static final Duration STOP_LIMIT = Duration.ofSeconds(5);
        private final Deque<AutoCloseable> open = new ArrayDeque<>();

        synchronized <T extends AutoCloseable> T add(T resource) {
            open.push(resource);
            return resource;
        }

        @Override
        public synchronized void close() {
            while (!open.isEmpty()) {
                AutoCloseable resource = open.pop();
                Thread stopping = Thread.ofPlatform().daemon().name("sluice-demo-stop").start(() -> {
                    try {
                        resource.close();
                    } catch (Exception e) {
                        System.err.println("demo: error while stopping: " + e);
                    }
                });
                try {
                    stopping.join(STOP_LIMIT);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (stopping.isAlive()) {
                    System.err.printf("demo: %s did not stop within %d s; stopping the rest%n",
                            resource.getClass().getSimpleName(), STOP_LIMIT.toSeconds());
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static long processCpuNanos() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }
}
