package io.sluice.sim;

import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.config.ConfigLoader;
import io.sluice.daemon.config.SluiceConfig;
import io.sluice.daemon.internal.Logging;
import io.sluice.stack.KafkaCluster;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The local demo: a real single-broker Kafka, the Sluice daemon, simulated devices publishing QoS 1, then a summary
 * of throughput, latency and the loss audit. Exit 0 when the audit passes, 1 when it fails.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start a local Kafka and Sluice, drive simulated devices at it, print throughput, latency and"
                + " the loss audit.")
public final class DemoCommand implements Callable<Integer> {
    @Mixin
    LoadOptions load = new LoadOptions();

    @Override
    public Integer call() throws Exception {
        Logging.configure("warn", "text");
        // the broker is starting while clients already probe it: their connection warnings are expected here
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.apache.kafka"))
                .setLevel(ch.qos.logback.classic.Level.ERROR);
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf("Sluice demo on %d core(s): starting a local Kafka broker...%n", cores);
        try (KafkaCluster kafka = KafkaCluster.start(1)) {
            return run(kafka, load, System.out);
        }
    }

    /** Runs the demo against a given cluster; returns the exit code. Used by the command and its tests. */
    public static int run(KafkaCluster kafka, LoadOptions load, java.io.PrintStream out) throws Exception {
        String topic = "sluice.readings";
        SluiceConfig config = ConfigLoader.fromMap(Map.of(
                "node_id", "demo",
                "mqtt.host", "127.0.0.1",
                "mqtt.port", "0",
                "kafka.bootstrap_servers", kafka.bootstrapServers(),
                "kafka.readings_topic", topic,
                "admin.port", "0",
                "admin.token_file", java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "sluice-" + java.util.UUID.randomUUID() + ".token").toString(),
                "kafka.topic_replication_factor", "1",
                "kafka.topic_min_insync_replicas", "1"));
        try (SluiceDaemon daemon = SluiceDaemon.start(config)) {
            LoadSpec spec = load.spec("127.0.0.1", daemon.mqttPort());
            out.printf("Sluice listening on 127.0.0.1:%d, Kafka at %s; %d devices x %d QoS%d messages (MQTT %s,"
                            + " window %d, %d-byte payloads)%n", daemon.mqttPort(), kafka.bootstrapServers(),
                    spec.devices(), spec.messagesPerDevice(), spec.qos(), spec.mqttVersion() == 5 ? "5" : "3.1.1",
                    spec.windowPerDevice(), spec.payloadBytes());
            long cpuBefore = processCpuNanos();
            AckLedger ledger = new AckLedger();
            LoadReport report = new MqttLoad(spec, ledger).run(out);
            long cpuNanos = processCpuNanos() - cpuBefore;
            out.println(report.summary());
            out.printf("process CPU during the run: %.1f s (daemon, devices and Kafka client share this JVM; the broker"
                    + " is a separate process)%n", cpuNanos / 1e9);
            LossAudit.Result audit = Auditor.audit(kafka.bootstrapServers(), topic, ledger, Duration.ofSeconds(120));
            out.println(audit);
            return audit.passed() && report.failed() == 0 ? 0 : 1;
        }
    }

    private static long processCpuNanos() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }
}
