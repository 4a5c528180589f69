package io.sluice.sim.bench;

import io.sluice.sim.Neighbour;
import io.sluice.sim.SourceAddresses;
import java.io.PrintStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sluice-sim chaos SCENARIO}: faults for real against {@code sluice run} (a child JVM) with real Kafka and the
 * fan-out to a real QuestDB, while a QoS 1 neighbour publishes at a fixed rate; every scenario ends with the loss
 * audit (every acknowledged reading in Kafka) and the TSDB's exact count. Scenarios: daemon-kill (kill -9 and
 * restart, N times), broker-kill (kill -9 one of 3 brokers, RF 3, min ISR 2, N times; the longest gap without
 * PUBACK), kafka-down (every broker down for a while), tsdb-down (QuestDB down for a while), flood (a connection
 * flood and slow-loris sockets; the neighbour's p99 against a quiet phase). {@code --smoke} shortens them.
 * Exit 0 when every scenario run passed.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = "Chaos scenarios with a loss audit: daemon-kill, broker-kill, kafka-down, tsdb-down, flood, all.")
public final class ChaosCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "daemon-kill, broker-kill, kafka-down, tsdb-down, flood or all")
    String scenario;

    @Option(names = "--smoke", description = "short versions: 2 daemon kills, 1 broker kill, 15 s outages,"
            + " 2,000 flood connections")
    boolean smoke;

    @Option(names = "--broker-session-timeout-ms", defaultValue = "2000",
            description = "broker-kill: the brokers' broker.session.timeout.ms, how long a dead broker keeps its"
                    + " partitions' leadership (Kafka's default 9000; heartbeat interval a sixth of it)")
    int brokerSessionTimeoutMs;

    @Option(names = "--kills", description = "daemon-kill: 10, broker-kill: 3 (smoke: 2 and 1)")
    Integer kills;

    @Option(names = "--down-seconds", description = "kafka-down and tsdb-down outage (default 60, smoke 15)")
    Integer downSeconds;

    @Option(names = "--flood-connections", description = "flood: connections opened at once (default 15000,"
            + " smoke 2000)")
    Integer floodConnections;

    @Option(names = "--loris-sockets", defaultValue = "1000", description = "flood: slow-loris sockets")
    int lorisSockets;

    @Option(names = "--phase-seconds", description = "quiet and loaded phases of the flood, and the time between"
            + " kills (default 30, smoke 10)")
    Integer phaseSeconds;

    @Option(names = "--neighbour-rate", defaultValue = "200", description = "neighbour PUBLISHes per second")
    double neighbourRate;

    @Option(names = "--neighbour-devices", defaultValue = "8")
    int neighbourDevices;

    @Option(names = "--neighbour-mqtt-version", defaultValue = "5")
    int neighbourVersion;

    @Option(names = "--daemon-jvm", defaultValue = "-Xmx512m -XX:+ExitOnOutOfMemoryError")
    String daemonJvm;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        io.sluice.daemon.internal.Logging.configure("error", "text");
        List<String> names = scenario.equals("all")
                ? List.of("daemon-kill", "broker-kill", "kafka-down", "tsdb-down", "flood") : List.of(scenario);
        List<String> results = new ArrayList<>();
        boolean ok = true;
        for (String name : names) {
            out.printf("=== chaos %s%s on %d core(s) ===%n", name, smoke ? " (smoke)" : "",
                    Runtime.getRuntime().availableProcessors());
            long t0 = System.nanoTime();
            boolean passed;
            try {
                passed = switch (name) {
                    case "daemon-kill" -> daemonKill();
                    case "broker-kill" -> brokerKill();
                    case "kafka-down" -> kafkaDown();
                    case "tsdb-down" -> tsdbDown();
                    case "flood" -> flood();
                    default -> throw new picocli.CommandLine.ParameterException(
                            new picocli.CommandLine(this), "unknown scenario: " + name);
                };
            } catch (picocli.CommandLine.ParameterException e) {
                throw e;
            } catch (Exception e) { // a scenario that could not run (a server that did not start) fails; the rest run
                out.println(name + " could not run: " + e);
                passed = false;
            }
            results.add(String.format(Locale.ROOT, "%-12s %s in %.0f s", name, passed ? "PASSED" : "FAILED",
                    (System.nanoTime() - t0) / 1e9));
            ok &= passed;
        }
        out.println("=== chaos summary ===");
        results.forEach(out::println);
        return ok ? 0 : 1;
    }

    private int phase() {
        return phaseSeconds != null ? phaseSeconds : smoke ? 10 : 30;
    }

    private int outage() {
        return downSeconds != null ? downSeconds : smoke ? 15 : 60;
    }

    private Neighbour neighbour(ChaosStack stack) {
        return stack.neighbour(neighbourDevices, neighbourRate, 16, neighbourVersion);
    }

    /** kill -9 of the daemon N times under load, restarted each time. */
    private boolean daemonKill() throws Exception {
        int n = kills != null ? kills : smoke ? 2 : 10;
        try (ChaosStack stack = new ChaosStack(1, Map.of(), daemonJvm, out);
             Neighbour neighbour = neighbour(stack)) {
            ChaosStack.sleep(phase() * 1000L);
            out.println("before: " + neighbour.phase().summary());
            List<Double> restarts = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                stack.daemon.kill9();
                long t0 = System.nanoTime();
                stack.daemon.start(Duration.ofSeconds(120));
                restarts.add((System.nanoTime() - t0) / 1e9);
                ChaosStack.sleep(phase() * 1000L / 2);
                out.printf(Locale.ROOT, "kill %d: ready again after %.1f s; %s%n", i, restarts.get(i - 1),
                        neighbour.phase().summary());
            }
            ChaosStack.sleep(phase() * 1000L / 2);
            return finish(stack, neighbour, String.format(Locale.ROOT, "%d kill -9, restart to ready max %.1f s",
                    n, restarts.stream().mapToDouble(Double::doubleValue).max().orElse(0)), true);
        }
    }

    /** kill -9 of one of 3 brokers (RF 3, min ISR 2) N times under load; the longest gap without PUBACK each time. */
    private boolean brokerKill() throws Exception {
        int n = kills != null ? kills : smoke ? 1 : 3;
        // Kafka fences a broker that stopped heartbeating after broker.session.timeout.ms (9 s by default); only
        // then do its partitions get new leaders. A failover within 5 s needs it lower on the brokers.
        Map<String, String> brokers = Map.of("broker.session.timeout.ms", Integer.toString(brokerSessionTimeoutMs),
                "broker.heartbeat.interval.ms", Integer.toString(Math.max(100, brokerSessionTimeoutMs / 6)));
        out.printf("brokers: broker.session.timeout.ms %d, broker.heartbeat.interval.ms %s%n", brokerSessionTimeoutMs,
                brokers.get("broker.heartbeat.interval.ms"));
        try (ChaosStack stack = new ChaosStack(3, brokers, Map.of(), daemonJvm, out);
             Neighbour neighbour = neighbour(stack)) {
            ChaosStack.sleep(phase() * 1000L);
            out.println("before: " + neighbour.phase().summary());
            long worstGap = 0;
            for (int i = 0; i < n; i++) {
                int broker = i % 3;
                stack.kafka.stopBroker(broker);
                ChaosStack.sleep(phase() * 1000L / 2);
                Neighbour.Phase down = neighbour.phase();
                long t0 = System.nanoTime();
                stack.kafka.startBroker(broker);
                double back = (System.nanoTime() - t0) / 1e9;
                ChaosStack.sleep(phase() * 1000L / 2); // the restarted broker catches up and rejoins the ISR
                Neighbour.Phase after = neighbour.phase();
                worstGap = Math.max(worstGap, Math.max(down.longestAckGapMillis(), after.longestAckGapMillis()));
                out.printf(Locale.ROOT, "kill %d of broker %d: while down: %s%n  broker back in %.1f s, after: %s%n",
                        i + 1, broker + 1, down.summary(), back, after.summary());
            }
            boolean stallOk = worstGap <= 5_000;
            out.printf("longest gap without PUBACK around the broker kills: %,d ms (limit 5,000 ms): %s%n", worstGap,
                    stallOk ? "PASSED" : "FAILED");
            return finish(stack, neighbour, n + " broker kill -9(s), longest PUBACK gap " + worstGap + " ms", true)
                    && stallOk;
        }
    }

    /** Every broker down: nothing acknowledged that Kafka lacks, memory bounded, everything acknowledged present. */
    private boolean kafkaDown() throws Exception {
        // a 30 s delivery timeout: readings the outage holds up fail (and the connection closes) within it
        try (ChaosStack stack = new ChaosStack(1, Map.of("kafka.delivery_timeout_ms", "30000",
                "kafka.request_timeout_ms", "10000"), daemonJvm, out);
             DaemonWatch watch = new DaemonWatch(stack.daemon, false);
             Neighbour neighbour = neighbour(stack)) {
            ChaosStack.sleep(phase() * 1000L);
            out.println("before: " + neighbour.phase().summary() + "; " + stack.memory());
            stack.kafka.stopBroker(0);
            ChaosStack.sleep(2_000); // PUBACKs of records Kafka took before it died may still arrive
            long ackedAtOutage = neighbour.ledger().ackedCount();
            ChaosStack.sleep(Math.max(0, outage() * 1000L - 2_000));
            long ackedDuringOutage = neighbour.ledger().ackedCount() - ackedAtOutage;
            out.printf("Kafka down %d s: %,d PUBACKs during the outage (after its first 2 s); %s; %s%n", outage(),
                    ackedDuringOutage, neighbour.phase().summary(), stack.memory());
            long t0 = System.nanoTime();
            stack.kafka.startBroker(0);
            out.printf(Locale.ROOT, "Kafka back in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            ChaosStack.sleep(phase() * 1000L);
            out.println("after: " + neighbour.phase().summary() + "; daemon alive " + stack.daemon.alive()
                    + ", ready " + stack.daemon.ready());
            return finish(stack, neighbour, "Kafka down " + outage() + " s, " + ackedDuringOutage
                    + " PUBACKs while down", stack.daemon.alive());
        }
    }

    /** QuestDB down: the fan-out waits and resumes, exact count. */
    private boolean tsdbDown() throws Exception {
        try (ChaosStack stack = new ChaosStack(1, Map.of(), daemonJvm, out);
             Neighbour neighbour = neighbour(stack)) {
            ChaosStack.sleep(phase() * 1000L);
            out.println("before: " + neighbour.phase().summary());
            stack.tsdb.stop();
            ChaosStack.sleep(outage() * 1000L);
            out.printf("TSDB down %d s: fan-out lag %.0f, paused %.0f; neighbour: %s%n", outage(),
                    stack.daemon.metric("sluice_fanout_lag"), stack.daemon.metric("sluice_fanout_paused"),
                    neighbour.phase().summary());
            stack.tsdb.restart();
            ChaosStack.sleep(phase() * 1000L);
            out.println("after: " + neighbour.phase().summary());
            return finish(stack, neighbour, "TSDB down " + outage() + " s", true);
        }
    }

    /** A connection flood and slow-loris sockets; the neighbour's p99 against a quiet phase of the same length. */
    private boolean flood() throws Exception {
        int connections = floodConnections != null ? floodConnections : smoke ? 2_000 : 15_000;
        List<InetAddress> sources = SourceAddresses.parse("127.0.2.1-127.0.2.32");
        try (ChaosStack stack = new ChaosStack(1, Map.of(), daemonJvm, out);
             DaemonWatch watch = new DaemonWatch(stack.daemon, false);
             Neighbour neighbour = neighbour(stack)) {
            ChaosStack.sleep(10_000); // warm-up
            neighbour.phase();
            ChaosStack.sleep(phase() * 1000L);
            Neighbour.Phase quiet = neighbour.phase();
            out.printf("quiet %d s: %s%n", phase(), quiet.summary());
            InetAddress server = InetAddress.getLoopbackAddress();
            Neighbour.Phase loaded;
            try (ConnectionFlood flood = new ConnectionFlood()) {
                long t0 = System.nanoTime();
                flood.slowLoris(lorisSockets, server, stack.daemon.mqttPort, sources);
                flood.flood(connections, server, stack.daemon.mqttPort, sources, phase() * 4L);
                double floodSeconds = (System.nanoTime() - t0) / 1e9;
                out.printf(Locale.ROOT, "flood: %,d of %,d connections opened, %,d CONNACKed, %,d failed in %.1f s;"
                                + " %,d slow-loris sockets%n", flood.opened(), connections, flood.connacked(),
                        flood.failed(), floodSeconds, lorisSockets);
                long rest = phase() * 1000L - (System.nanoTime() - t0) / 1_000_000;
                ChaosStack.sleep(Math.max(0, rest));
                loaded = neighbour.phase();
                out.printf(Locale.ROOT, "during the flood (%.0f s): %s%n", (System.nanoTime() - t0) / 1e9,
                        loaded.summary());
                out.printf(Locale.ROOT, "slow loris: %,d of %,d closed by the server (longest held %,d ms); %,d"
                                + " sockets still held; %s; daemon alive %s, ready %s%n", flood.lorisClosedByServer(),
                        lorisSockets, flood.lorisLongestMillis(), flood.held(), stack.memory(), stack.daemon.alive(),
                        stack.daemon.ready());
                out.printf("daemon metrics: sluice_mqtt_connections %.0f%n",
                        stack.daemon.metric("sluice_mqtt_connections"));
            }
            double ratio = loaded.p99Millis() / quiet.p99Millis();
            boolean p99Ok = ratio <= 2.0;
            out.printf(Locale.ROOT, "neighbour p99 during the flood / quiet: %.2f ms / %.2f ms = %.2fx (limit 2x): %s%n",
                    loaded.p99Millis(), quiet.p99Millis(), ratio, p99Ok ? "PASSED" : "FAILED");
            return finish(stack, neighbour, String.format(Locale.ROOT, "flood of %,d + %,d slow loris, p99 ratio"
                    + " %.2f", connections, lorisSockets, ratio), stack.daemon.alive()) && p99Ok;
        }
    }

    /** Stops the neighbour, runs both audits, prints the verdict line. */
    private boolean finish(ChaosStack stack, Neighbour neighbour, String what, boolean extraOk) {
        neighbour.stop(60);
        out.println("neighbour at the end: " + neighbour.phase().summary() + "; failures by kind "
                + neighbour.failureKinds());
        ChaosStack.Audit audit = stack.audit(neighbour, Duration.ofSeconds(300));
        List<String> errors = stack.daemon.errorLines();
        out.printf("daemon: %d unexpected exit(s), %d start(s); %s; log: %d ERROR/uncaught lines%s%n",
                stack.daemon.crashes(), stack.daemon.starts(), stack.memory(), errors.size(),
                errors.isEmpty() ? "" : ", first: " + errors.get(0));
        boolean passed = audit.passed() && extraOk && stack.daemon.crashes() == 0;
        out.printf("%s: %s%n", what, passed ? "PASSED" : "FAILED");
        return passed;
    }
}
