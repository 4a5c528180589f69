package io.sluice.sim.bench;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import io.sluice.daemon.internal.Logging;
import io.sluice.sim.AckLedger;
import io.sluice.sim.Auditor;
import io.sluice.sim.LoadReport;
import io.sluice.sim.LoadSpec;
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
 * QoS 1 side by side: the same load against Mosquitto (no persistence, TCP_NODELAY), against a naive Java bridge
 * (Moquette, PUBACK on receipt, then each PUBLISH handed to a KafkaProducer) and against Sluice (PUBACK after Kafka
 * acks=all), each server in its own process so its CPU time is measured apart from the load generator. Per round,
 * servers in rotating order: a closed-loop run (saturation throughput), then an open-loop run at a fixed offered
 * rate (latency at equal load), then Kafka's own ProducerPerformance and a hand-written producer against the same
 * broker (the ceilings). Prints one row per run and the ratios; warm-up runs are not reported.
 */
@Command(name = "bench-qos1", mixinStandardHelpOptions = true,
        description = "QoS 1 throughput, latency and CPU per million messages: Sluice (with a local Kafka) vs"
                + " Mosquitto vs a Moquette-to-Kafka bridge, and Sluice against the Kafka producer's ceiling.")
public final class Qos1BenchCommand implements Callable<Integer> {
    static final String SLUICE = "sluice";
    static final String MOSQUITTO = "mosquitto";
    static final String MOQUETTE = "moquette";

    @Option(names = "--devices", defaultValue = "50")
    int devices;

    @Option(names = "--messages", defaultValue = "2000", description = "per device per closed-loop run")
    int messages;

    @Option(names = "--window", defaultValue = "16")
    int window;

    @Option(names = "--payload-bytes", defaultValue = "128")
    int payloadBytes;

    @Option(names = "--mqtt-version", defaultValue = "3")
    int mqttVersion;

    @Option(names = "--rounds", defaultValue = "2", description = "measured rounds, servers interleaved")
    int rounds;

    @Option(names = "--rate", defaultValue = "10000",
            description = "offered PUBLISHes/s in total for the fixed-rate (open-loop) latency runs; 0 skips them")
    double rate;

    @Option(names = "--rate-seconds", defaultValue = "10", description = "length of each fixed-rate run")
    double rateSeconds;

    @Option(names = "--tls", description = "instead: Sluice and Mosquitto only, each over TLS 1.3 and plain in the same"
            + " process (same certificate, made with openssl, and cipher), fixed-rate runs only; see TlsQos1Report")
    boolean tls;

    /** The acknowledged records a Kafka topic must hold, shared by the listeners writing to it. */
    static final class Tally {
        final String topic;
        final KafkaTopicCount count;
        long acknowledged;

        Tally(KafkaCluster kafka, String topic) throws Exception {
            this.topic = topic;
            this.count = new KafkaTopicCount(kafka, topic);
        }
    }

    /**
     * One listener under test: its server process, the name its rows carry, its port, the client's TLS config (null
     * for plain TCP) and, when it writes to Kafka, the tally of its topic.
     */
    record Peer(ServerUnderTest server, String name, int port, MqttClientSslConfig tls, Tally tally) {
        Peer(ServerUnderTest server, KafkaCluster kafka, String topic) throws Exception {
            this(server, server.name, server.port, null, topic == null ? null : new Tally(kafka, topic));
        }
    }

    @Override
    public Integer call() throws Exception {
        Logging.configure("error", "text");
        Path dir = Files.createTempDirectory("sluice-bench-");
        System.out.printf("bench-qos1: %d devices x %d messages, window %d, %d B payload, MQTT %s, fixed rate %s,"
                        + " %d core(s), %s%n", devices, messages, window, payloadBytes, mqttVersion == 5 ? "5" : "3.1.1",
                rate > 0 ? String.format("%,.0f/s for %.0f s", rate, rateSeconds) : "off",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        if (tls) {
            return new TlsQos1Runs(this, dir).call();
        }
        List<Qos1Report.Row> rows = new ArrayList<>();
        List<Double> performance = new ArrayList<>();
        List<Double> handWritten = new ArrayList<>();
        long ceilingRecords = (long) devices * messages;
        try (KafkaCluster kafka = KafkaCluster.start(1);
             ServerUnderTest mosquitto = ServerUnderTest.mosquitto(dir, freePort());
             ServerUnderTest moquette = startMoquette(kafka, dir, "bench.moquette");
             ServerUnderTest sluice = ServerUnderTest.sluice(dir, freePort(), kafka.bootstrapServers(), "bench.readings")) {
            List<Peer> peers = List.of(new Peer(mosquitto, kafka, null), new Peer(moquette, kafka, "bench.moquette"),
                    new Peer(sluice, kafka, "bench.readings"));
            for (Peer peer : peers) {
                run(kafka, peer, "warm", messages / 4, 0); // JIT and connection warm-up, not reported
            }
            kafka.createTopic("bench.ceiling", 6, 1, 1);
            kafka.createTopic("bench.perf", 6, 1, 1);
            ProducerCeiling.run(kafka.bootstrapServers(), "bench.ceiling", devices, messages / 4, payloadBytes);
            int perDeviceAtRate = (int) Math.max(1, Math.round(rate * rateSeconds / devices));
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < peers.size(); i++) { // rotating order: no server always runs first
                    rows.add(run(kafka, peers.get((i + r) % peers.size()), "c" + r, messages, 0));
                }
                if (rate > 0) {
                    for (int i = 0; i < peers.size(); i++) {
                        rows.add(run(kafka, peers.get((i + r) % peers.size()), "o" + r, perDeviceAtRate, rate));
                    }
                }
                ProducerPerformanceRun.Result pp = ProducerPerformanceRun.run(dir, kafka.bootstrapServers(),
                        "bench.perf", ceilingRecords, payloadBytes);
                performance.add(pp.recordsPerSecond());
                System.out.printf("ProducerPerformance (kafka-tools %s, own JVM): %s%n", ProducerPerformanceRun.version(),
                        pp.summary());
                double hand = ProducerCeiling.run(kafka.bootstrapServers(), "bench.ceiling", devices, messages,
                        payloadBytes);
                handWritten.add(hand);
                System.out.printf("hand-written producer, %,d records (this JVM, same keys and payloads): %,.0f msg/s%n",
                        ceilingRecords, hand);
            }
        }
        Qos1Report report = new Qos1Report(rows, rounds, rate);
        report.print(System.out, mean(performance), mean(handWritten));
        return report.sluiceLostMessages() ? 1 : 0;
    }

    private static ServerUnderTest startMoquette(KafkaCluster kafka, Path dir, String topic) throws Exception {
        kafka.createTopic(topic, 6, 1, 1); // what Sluice creates for itself (ServerUnderTest.sluice's config)
        return ServerUnderTest.moquetteBridge(dir, freePort(), kafka.bootstrapServers(), topic);
    }

    /** One run against one listener: {@code perDevice} messages from each device, closed loop or at {@code offered}/s. */
    Qos1Report.Row run(KafkaCluster kafka, Peer peer, String tag, int perDevice, double offered) throws Exception {
        ServerUnderTest server = peer.server();
        LoadSpec spec = new LoadSpec("127.0.0.1", peer.port(), devices, perDevice, window, payloadBytes, mqttVersion,
                1, "bench-" + peer.name().replace(' ', '-') + "-" + tag + "-", "sensors");
        AckLedger ledger = new AckLedger();
        Tally tally = peer.tally();
        long brokerPid = tally == null ? -1 : kafka.pids().get(0);
        double s0 = ProcCpu.seconds(server.pid());
        double b0 = brokerPid > 0 ? ProcCpu.seconds(brokerPid) : 0;
        double g0 = ProcCpu.self();
        LoadReport report = new MqttLoad(spec, ledger).openLoop(offered).tls(peer.tls()).run(null);
        double generatorCpu = ProcCpu.self() - g0;
        double kafkaLag = Double.NaN;
        long missing = -1;
        if (tally != null) {
            // a bridge that PUBACKs on receipt is done only when Kafka holds what it acknowledged; its CPU until then counts
            tally.acknowledged += report.acknowledged();
            kafkaLag = tally.count.awaitAtLeast(tally.acknowledged, Duration.ofSeconds(120));
        }
        double serverCpu = ProcCpu.seconds(server.pid()) - s0;
        double brokerCpu = brokerPid > 0 ? ProcCpu.seconds(brokerPid) - b0 : -1;
        if (tally != null && !tag.equals("warm")) {
            missing = Auditor.audit(kafka.bootstrapServers(), tally.topic, ledger, Duration.ofSeconds(120)).missing();
        }
        String load = offered > 0 ? String.format("%,.0f/s", offered) : "closed";
        if (!tag.equals("warm")) {
            System.out.printf("%-13s %-8s %s%n", peer.name(), load, report.summary().replace('\n', ' '));
        }
        return new Qos1Report.Row(peer.name(), load, report, serverCpu, brokerCpu, generatorCpu, kafkaLag, missing);
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
