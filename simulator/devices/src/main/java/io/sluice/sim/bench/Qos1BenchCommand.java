package io.sluice.sim.bench;

import io.sluice.daemon.internal.Logging;
import io.sluice.sim.AckLedger;
import io.sluice.sim.Auditor;
import io.sluice.sim.LoadReport;
import io.sluice.sim.LoadSpec;
import io.sluice.sim.LossAudit;
import io.sluice.sim.MqttLoad;
import io.sluice.stack.KafkaCluster;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * QoS 1 side by side: the same closed-loop load against Mosquitto (no persistence, TCP_NODELAY) and against Sluice
 * (PUBACK after Kafka acks=all), each server in its own process so its CPU time is measured apart from the load
 * generator. Prints one row per run and the ratios; warm-up runs are not reported.
 */
@Command(name = "bench-qos1", mixinStandardHelpOptions = true,
        description = "QoS 1 throughput, latency and CPU per million messages: Sluice (with a local Kafka) vs Mosquitto.")
public final class Qos1BenchCommand implements Callable<Integer> {
    @Option(names = "--devices", defaultValue = "50")
    int devices;

    @Option(names = "--messages", defaultValue = "2000", description = "per device per measured run")
    int messages;

    @Option(names = "--window", defaultValue = "16")
    int window;

    @Option(names = "--payload-bytes", defaultValue = "128")
    int payloadBytes;

    @Option(names = "--mqtt-version", defaultValue = "3")
    int mqttVersion;

    @Option(names = "--rounds", defaultValue = "2", description = "measured runs per server, interleaved")
    int rounds;

    record Row(String server, LoadReport report, double serverCpu, double brokerCpu, double generatorCpu,
               long missing) {
        double cpuPerMillion() {
            return (serverCpu + Math.max(0, brokerCpu)) * 1e6 / report.acknowledged();
        }
    }

    @Override
    public Integer call() throws Exception {
        Logging.configure("error", "text");
        Path dir = Files.createTempDirectory("sluice-bench-");
        System.out.printf("bench-qos1: %d devices x %d messages, window %d, %d B payload, MQTT %s, %d core(s), %s%n",
                devices, messages, window, payloadBytes, mqttVersion == 5 ? "5" : "3.1.1",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        List<Row> rows = new ArrayList<>();
        List<Double> ceilings = new ArrayList<>();
        try (KafkaCluster kafka = KafkaCluster.start(1);
             ServerUnderTest mosquitto = ServerUnderTest.mosquitto(dir, freePort());
             ServerUnderTest sluice = ServerUnderTest.sluice(dir, freePort(), kafka.bootstrapServers(), "bench.readings")) {
            long brokerPid = kafka.pids().get(0);
            run(mosquitto, -1, null, "warm", messages / 4); // JIT and connection warm-up, not reported
            run(sluice, brokerPid, kafka, "warm", messages / 4);
            kafka.createTopic("bench.ceiling", 6, 1, 1);
            ProducerCeiling.run(kafka.bootstrapServers(), "bench.ceiling", devices, messages / 4, payloadBytes); // warm-up
            for (int r = 0; r < rounds; r++) {
                rows.add(run(mosquitto, -1, null, "m" + r, messages));
                rows.add(run(sluice, brokerPid, kafka, "s" + r, messages));
                double ceiling = ProducerCeiling.run(kafka.bootstrapServers(), "bench.ceiling", devices, messages,
                        payloadBytes);
                ceilings.add(ceiling);
                System.out.printf("producer  %,d records straight to Kafka (same settings, keys, payloads): %,.0f msg/s%n",
                        (long) devices * messages, ceiling);
            }
        }
        System.out.println();
        System.out.println("| server | msg/s | p50 ms | p99 ms | server CPU s | Kafka broker CPU s | CPU s per 1M msgs (server+broker) | generator CPU s | missing |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (Row row : rows) {
            System.out.printf("| %s | %,.0f | %.2f | %.2f | %.2f | %s | %.1f | %.2f | %s |%n", row.server(),
                    row.report().messagesPerSecond(), row.report().latencyMicros().getValueAtPercentile(50) / 1000.0,
                    row.report().latencyMicros().getValueAtPercentile(99) / 1000.0, row.serverCpu(),
                    row.brokerCpu() < 0 ? "-" : String.format("%.2f", row.brokerCpu()), row.cpuPerMillion(),
                    row.generatorCpu(), row.missing() < 0 ? "-" : Long.toString(row.missing()));
        }
        double sluiceRate = rows.stream().filter(r -> r.server().equals("sluice"))
                .mapToDouble(r -> r.report().messagesPerSecond()).average().orElse(0);
        double mosqRate = rows.stream().filter(r -> r.server().equals("mosquitto"))
                .mapToDouble(r -> r.report().messagesPerSecond()).average().orElse(1);
        System.out.printf("%nthroughput ratio Sluice/Mosquitto: %.2f (mean of %d runs each)%n", sluiceRate / mosqRate, rounds);
        double ceiling = ceilings.stream().mapToDouble(Double::doubleValue).average().orElse(1);
        System.out.printf("Kafka producer ceiling (this JVM, same records): %,.0f msg/s; Sluice end to end / ceiling: %.2f%n",
                ceiling, sluiceRate / ceiling);
        boolean lost = rows.stream().anyMatch(r -> r.missing() > 0);
        return lost ? 1 : 0;
    }

    private Row run(ServerUnderTest server, long brokerPid, KafkaCluster kafka, String tag, int perDevice)
            throws Exception {
        LoadSpec spec = new LoadSpec("127.0.0.1", server.port, devices, perDevice, window, payloadBytes, mqttVersion,
                1, "bench-" + tag + "-", "sensors");
        AckLedger ledger = new AckLedger();
        double s0 = ProcCpu.seconds(server.pid());
        double b0 = brokerPid > 0 ? ProcCpu.seconds(brokerPid) : 0;
        double g0 = ProcCpu.self();
        LoadReport report = new MqttLoad(spec, ledger).run(null);
        double serverCpu = ProcCpu.seconds(server.pid()) - s0;
        double brokerCpu = brokerPid > 0 ? ProcCpu.seconds(brokerPid) - b0 : -1;
        double generatorCpu = ProcCpu.self() - g0;
        long missing = -1;
        if (kafka != null && !tag.equals("warm")) {
            LossAudit.Result audit = Auditor.audit(kafka.bootstrapServers(), "bench.readings", ledger, Duration.ofSeconds(120));
            missing = audit.missing();
        }
        if (!tag.equals("warm")) {
            System.out.printf("%-9s %s%n", server.name, report.summary().replace('\n', ' '));
        }
        return new Row(server.name, report, serverCpu, Math.max(brokerCpu, -1), generatorCpu, missing);
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
