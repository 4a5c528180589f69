package io.sluice.sim.bench;

import io.sluice.sim.AckLedger;
import io.sluice.sim.Auditor;
import io.sluice.sim.LoadReport;
import io.sluice.sim.LoadSpec;
import io.sluice.sim.MqttLoad;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The same QoS 1 uplink load against 1 and 3 nodes, part 1 of {@code bench-fleet}: an open-loop run at a fixed offered
 * rate from {@code devices} connections (HiveMQ client, {@link MqttLoad}), spread round robin over the given nodes'
 * ports as an L4 balancer would, then the loss audit of the readings topic (every PUBACKed reading must be in it).
 * CPU is read from /proc for every node process, Kafka's broker and this JVM (the generator). Blocking.
 */
final class FleetUplink {
    private final FleetNodes fleet;
    private final int devices;
    private final int window;
    private final int payloadBytes;
    private final int mqttVersion;
    private final double rate;

    FleetUplink(FleetNodes fleet, int devices, int window, int payloadBytes, int mqttVersion, double rate) {
        this.fleet = fleet;
        this.devices = devices;
        this.window = window;
        this.payloadBytes = payloadBytes;
        this.mqttVersion = mqttVersion;
        this.rate = rate;
    }

    /**
     * One measured (or warm-up) run.
     *
     * @param loaded        the nodes the connections were spread over, e.g. "1" or "3"
     * @param eachNodeCpu   CPU s of every running node over the run (idle ones too), in node order
     * @param loadedCpu     CPU s of the nodes that took connections, summed
     * @param serverCpu     for a peer outside the fleet (Mosquitto): its CPU s; otherwise NaN
     * @param missing       PUBACKed readings not in the readings topic (-1: not audited)
     * @param loadAverage   the machine's 1-minute load average at the end of the run (other work on it shows here)
     */
    record Row(String server, String loaded, LoadReport report, List<Double> eachNodeCpu, double loadedCpu,
               double kafkaCpu, double generatorCpu, long missing, double loadAverage) {
        double perMillion(double cpu) {
            return cpu * 1e6 / Math.max(1, report.acknowledged());
        }

        String line() {
            return String.format(Locale.ROOT, "| %s | %s | %,.0f | %,d | %.2f | %.2f | %.2f (%s) | %.1f | %s | %s | %.2f | %s | %.1f |",
                    server, loaded, report.messagesPerSecond(), report.acknowledged(),
                    report.latencyMicros().getValueAtPercentile(50) / 1000.0,
                    report.latencyMicros().getValueAtPercentile(99) / 1000.0, loadedCpu,
                    eachNodeCpu.stream().map(c -> String.format(Locale.ROOT, "%.2f", c)).collect(Collectors.joining(" / ")),
                    perMillion(loadedCpu),
                    Double.isNaN(kafkaCpu) ? "-" : String.format(Locale.ROOT, "%.2f", kafkaCpu),
                    Double.isNaN(kafkaCpu) ? "-" : String.format(Locale.ROOT, "%.1f", perMillion(loadedCpu + kafkaCpu)),
                    generatorCpu, missing < 0 ? "-" : Long.toString(missing), loadAverage);
        }
    }

    static String header() {
        return "| server | nodes loaded | msg/s | PUBACKed | p50 ms | p99 ms | server CPU s (each running node) |"
                + " server CPU s per 1M | Kafka CPU s | CPU s per 1M (server + Kafka) | generator CPU s | missing | load avg |\n"
                + "|---|---|---|---|---|---|---|---|---|---|---|---|---|";
    }

    /**
     * The load over the first {@code loadedNodes} nodes for {@code seconds}, with {@code runningNodes} running; audited
     * unless a warm-up.
     */
    Row run(String tag, int loadedNodes, int runningNodes, double seconds, boolean audit) throws Exception {
        int perDevice = (int) Math.max(1, Math.round(rate * seconds / devices));
        LoadSpec spec = new LoadSpec("127.0.0.1", fleet.node(0).mqttPort, devices, perDevice, window, payloadBytes,
                mqttVersion, 1, "fl-" + tag + "-", "sensors");
        AckLedger ledger = new AckLedger();
        List<Double> n0 = fleet.eachCpu(runningNodes);
        double k0 = fleet.kafkaCpu();
        double g0 = ProcCpu.self();
        LoadReport report = new MqttLoad(spec, ledger).openLoop(rate).spreadOver(fleet.ports(loadedNodes)).run(null);
        double generator = ProcCpu.self() - g0;
        List<Double> n1 = fleet.eachCpu(runningNodes);
        double kafka = fleet.kafkaCpu() - k0;
        List<Double> each = new java.util.ArrayList<>();
        double loaded = 0;
        for (int i = 0; i < runningNodes; i++) {
            each.add(n1.get(i) - n0.get(i));
            if (i < loadedNodes) {
                loaded += n1.get(i) - n0.get(i);
            }
        }
        double loadAverage = DeliveryBenchCommand.loadAverage();
        long missing = audit ? Auditor.audit(fleet.kafka.bootstrapServers(), FleetNodes.READINGS, ledger,
                Duration.ofSeconds(180)).missing() : -1;
        return new Row("sluice", Integer.toString(loadedNodes), report, each, loaded, kafka, generator, missing,
                loadAverage);
    }

    /** The same load against another MQTT server process (one port), its CPU from /proc; nothing audited. */
    Row runPeer(String tag, ServerUnderTest server, double seconds) throws Exception {
        int perDevice = (int) Math.max(1, Math.round(rate * seconds / devices));
        LoadSpec spec = new LoadSpec("127.0.0.1", server.port, devices, perDevice, window, payloadBytes, mqttVersion,
                1, "fp-" + tag + "-", "sensors");
        double s0 = ProcCpu.seconds(server.pid());
        double g0 = ProcCpu.self();
        LoadReport report = new MqttLoad(spec, new AckLedger()).openLoop(rate).run(null);
        double generator = ProcCpu.self() - g0;
        double cpu = ProcCpu.seconds(server.pid()) - s0;
        return new Row(server.name, "1", report, List.of(cpu), cpu, Double.NaN, generator, -1,
                DeliveryBenchCommand.loadAverage());
    }
}
