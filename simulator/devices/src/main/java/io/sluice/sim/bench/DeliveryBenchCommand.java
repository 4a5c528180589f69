package io.sluice.sim.bench;

import io.sluice.daemon.internal.Logging;
import io.sluice.stack.KafkaCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Delivery side by side: the same HiveMQ publishers and subscribers (QoS 1 both ways, MQTT 3.1.1) against Sluice
 * (delivery on, one local Kafka broker) and against Mosquitto (persistence on, TCP_NODELAY), each server in its own
 * process so its CPU is measured apart from the generator. Per round and server: 1 to 1, 1 to N (fan-out) and N to 1
 * (fan-in) closed loop (saturation), then N to 1 at a fixed offered rate of deliveries (latency at equal load).
 * Round 0 starts cold; later rounds run on warmed servers. Threading: one thread (the command's).
 */
@Command(name = "bench-delivery", mixinStandardHelpOptions = true,
        description = "Publish-to-delivery latency, deliveries/s and CPU per delivery: Sluice (delivery on, local Kafka)"
                + " vs Mosquitto (persistence on), 1->1, 1->N, N->1, and at a fixed rate.")
public final class DeliveryBenchCommand implements Callable<Integer> {
    static final String SLUICE = "sluice";
    static final String MOSQUITTO = "mosquitto";

    @Option(names = "--fanout", defaultValue = "1000", description = "subscribers of the 1->N run")
    int fanout;

    @Option(names = "--fanin", defaultValue = "1000", description = "publishers of the N->1 and fixed-rate runs")
    int fanin;

    @Option(names = "--seconds", defaultValue = "10", description = "length of each run")
    double seconds;

    @Option(names = "--rate", defaultValue = "10000", description = "offered deliveries/s of the fixed-rate run; 0 skips")
    double rate;

    @Option(names = "--window", defaultValue = "1000",
            description = "closed loop: deliveries outstanding at most (at least one message's worth)")
    int window;

    @Option(names = "--payload-bytes", defaultValue = "64")
    int payloadBytes;

    @Option(names = "--rounds", defaultValue = "2")
    int rounds;

    @Option(names = "--inflight", defaultValue = "32",
            description = "QoS 1 messages unacknowledged per subscriber, both servers (Sluice's default)")
    int inflight;

    @Option(names = "--servers", defaultValue = "sluice,mosquitto", split = ",",
            description = "which servers to measure (sluice, mosquitto)")
    List<String> servers;

    @Option(names = "--shapes", defaultValue = "one,fanout,fanin", split = ",",
            description = "closed-loop shapes to run: one (1->1), fanout (1->N), fanin (N->1)")
    List<String> shapeNames;

    @Option(names = "--rate-shapes", defaultValue = "fanin", split = ",",
            description = "shapes also run at the fixed --rate (deliveries/s): one, fanout, fanin")
    List<String> rateShapeNames;

    @Option(names = "--sluice-delivery", paramLabel = "KEY=VALUE",
            description = "a key of Sluice's delivery section for this run (repeatable), e.g. linger_ms=5")
    Map<String, String> sluiceDelivery = new java.util.LinkedHashMap<>();

    @Option(names = "--sluice", paramLabel = "SECTION.KEY=VALUE",
            description = "a key of Sluice's mqtt or kafka section for this run (repeatable), e.g. kafka.linger_ms=1")
    Map<String, String> sluiceKeys = new java.util.LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        Logging.configure("error", "text");
        Path dir = Files.createTempDirectory("sluice-bench-delivery-");
        System.out.printf("bench-delivery: 1->1, 1->%d, %d->1 closed loop (window %d deliveries), %d->1 at %,.0f"
                        + " deliveries/s; %.0f s per run, %d B payload, QoS 1, MQTT 3.1.1, in-flight %d, %d round(s),"
                        + " %d core(s), %s%n", fanout, fanin, window, fanin, rate, seconds, payloadBytes, inflight, rounds,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        if (!sluiceDelivery.isEmpty() || !sluiceKeys.isEmpty()) {
            System.out.printf("Sluice keys set for this run: delivery %s, %s%n", sluiceDelivery, sluiceKeys);
        }
        List<DeliveryLoad.Shape> shapes = new ArrayList<>(List.of(new DeliveryLoad.Shape("one", 1, 1, false),
                new DeliveryLoad.Shape("fanout", 1, fanout, false), new DeliveryLoad.Shape("fanin", fanin, 1, true)));
        shapes.removeIf(sh -> !shapeNames.contains(sh.name()));
        List<String> deliveryYaml = new ArrayList<>(List.of("delivery:", "  enabled: true",
                "  max_inflight_per_session: " + inflight));
        sluiceDelivery.forEach((k, v) -> deliveryYaml.add("  " + k + ": " + v));
        List<DeliveryLoad.Shape> atRate = new ArrayList<>(List.of(new DeliveryLoad.Shape("one", 1, 1, false),
                new DeliveryLoad.Shape("fanout", 1, fanout, false), new DeliveryLoad.Shape("rate", fanin, 1, true)));
        atRate.removeIf(sh -> !rateShapeNames.contains(sh.name().equals("rate") ? "fanin" : sh.name()));
        List<DeliveryReport.Row> rows = new ArrayList<>();
        Path mosquittoDir = Files.createDirectories(dir.resolve("mosquitto"));
        Path sluiceDir = Files.createDirectories(dir.resolve("sluice"));
        try (KafkaCluster kafka = KafkaCluster.start(1);
             ServerUnderTest mosquitto = ServerUnderTest.mosquittoPersistent(mosquittoDir,
                     Qos1BenchCommand.freePort(), inflight);
             ServerUnderTest sluice = ServerUnderTest.sluice(sluiceDir, Qos1BenchCommand.freePort(),
                     kafka.bootstrapServers(), "bench.readings", deliveryYaml, sluiceKeys)) {
            long brokerPid = kafka.pids().get(0);
            List<ServerUnderTest> servers = new ArrayList<>(List.of(sluice, mosquitto));
            servers.removeIf(sv -> !this.servers.contains(sv.name));
            for (int r = 0; r < rounds; r++) {
                String round = r == 0 ? "r0 cold" : "r" + r + " warm";
                for (int i = 0; i < servers.size(); i++) { // rotating order: no server always runs first
                    ServerUnderTest server = servers.get((i + r) % servers.size());
                    long broker = server == sluice ? brokerPid : -1;
                    for (DeliveryLoad.Shape shape : shapes) {
                        rows.add(run(server, broker, shape, round, 0));
                    }
                    for (DeliveryLoad.Shape shape : rate > 0 ? atRate : List.<DeliveryLoad.Shape>of()) {
                        rows.add(run(server, broker, shape, round, rate));
                    }
                }
            }
        }
        DeliveryReport report = new DeliveryReport(rows, rate);
        report.print(System.out);
        return 0;
    }

    private DeliveryReport.Row run(ServerUnderTest server, long brokerPid, DeliveryLoad.Shape shape, String round,
                                   double offered) {
        String load = offered > 0 ? String.format("%,.0f/s", offered) : "closed";
        try (DeliveryLoad gen = DeliveryLoad.connect(shape, server.port,
                "bd-" + server.name + "-" + round.charAt(1) + "-" + shape.name() + "-")) {
            double load0 = loadAverage();
            double s0 = ProcCpu.seconds(server.pid());
            double b0 = brokerPid > 0 ? ProcCpu.seconds(brokerPid) : 0;
            double g0 = ProcCpu.self();
            DeliveryLoad.Result result = gen.run(Duration.ofMillis((long) (seconds * 1000)), offered, window,
                    payloadBytes);
            double generatorCpu = ProcCpu.self() - g0;
            double serverCpu = ProcCpu.seconds(server.pid()) - s0;
            double brokerCpu = brokerPid > 0 ? ProcCpu.seconds(brokerPid) - b0 : -1;
            DeliveryReport.Row row = new DeliveryReport.Row(server.name, shapeName(shape), load, round, result,
                    serverCpu, brokerCpu, generatorCpu, Math.max(load0, loadAverage()));
            System.out.println(row.line());
            return row;
        }
    }

    private static String shapeName(DeliveryLoad.Shape shape) {
        return shape.publishers() + "->" + shape.subscribers();
    }

    /** The 1-minute load average of the machine, from /proc/loadavg. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (Exception e) {
            return Double.NaN;
        }
    }
}
