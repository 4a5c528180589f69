package io.sluice.sim.bench;

import io.sluice.daemon.internal.Logging;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice-sim bench-fleet}: a fleet of Sluice nodes on one local Kafka, each node its own JVM. Three parts, in
 * this order (each can be left out): the same fixed-rate QoS 1 uplink load against 1 node and then 3 nodes (with a
 * Mosquitto row on request), takeovers per second between node 1 and node 2, and the reconnect of persistent clients
 * from a {@code kill -9}ed node 1 to nodes 2 and 3. Prints a Markdown table per part; exit code 1 when the uplink
 * audit finds a PUBACKed reading missing.
 */
@Command(name = "bench-fleet", mixinStandardHelpOptions = true,
        description = "1 vs 3 nodes under the same QoS 1 load; takeovers per second; reconnect from a killed node.")
public final class FleetBenchCommand implements Callable<Integer> {
    @Option(names = "--parts", split = ",", defaultValue = "uplink,takeover,reconnect",
            description = "which parts to run (uplink, takeover, reconnect; default ${DEFAULT-VALUE})")
    Set<String> parts;

    @Option(names = "--devices", defaultValue = "1000", description = "uplink connections (default ${DEFAULT-VALUE})")
    int devices;

    @Option(names = "--rate", defaultValue = "10000", description = "uplink PUBLISHes/s offered in total")
    double rate;

    @Option(names = "--seconds", defaultValue = "60", description = "length of each measured uplink run")
    double seconds;

    @Option(names = "--warmup-seconds", defaultValue = "15", description = "unreported uplink run before each set-up")
    double warmupSeconds;

    @Option(names = "--window", defaultValue = "16")
    int window;

    @Option(names = "--payload-bytes", defaultValue = "128")
    int payloadBytes;

    @Option(names = "--mqtt-version", defaultValue = "3", description = "of the uplink devices (3 or 5)")
    int mqttVersion;

    @Option(names = "--mosquitto", description = "also the uplink load against Mosquitto (persistence on,"
            + " set_tcp_nodelay true), one process")
    boolean mosquitto;

    @Option(names = "--takeover-sessions", defaultValue = "1000")
    int takeoverSessions;

    @Option(names = "--takeover-rounds", defaultValue = "4", description = "moves of every session: 1->2, 2->1, ...")
    int takeoverRounds;

    @Option(names = "--takeover-concurrency", defaultValue = "50", description = "takeovers under way at once")
    int takeoverConcurrency;

    @Option(names = "--reconnect-sessions", defaultValue = "10000")
    int reconnectSessions;

    @Option(names = "--reconnect-messages", defaultValue = "3", description = "unacknowledged messages per session")
    int reconnectMessages;

    @Option(names = "--reconnect-concurrency", defaultValue = "500", description = "CONNECTs under way at once")
    int reconnectConcurrency;

    @Option(names = "--reconnect-wait-seconds", defaultValue = "60",
            description = "how long after the reconnects the messages may take to arrive")
    int reconnectWaitSeconds;

    @Option(names = "--reconnect-control", description = "node 1 is not killed: the clients move to nodes 2 and 3"
            + " while it runs (takeover, which hands the messages over), to check that arrivals are counted")
    boolean reconnectControl;

    @Option(names = "--heap", defaultValue = "1g", description = "-Xmx of each node")
    String heap;

    @Override
    public Integer call() throws Exception {
        Logging.configure("error", "text");
        Path dir = Files.createTempDirectory("sluice-bench-fleet-");
        System.out.printf(Locale.ROOT, "bench-fleet: parts %s; %d core(s), JDK %s, nodes -Xmx%s, logs in %s%n", parts,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), heap, dir);
        boolean lost = false;
        try (FleetNodes fleet = new FleetNodes(3, heap, dir)) {
            fleet.start(0);
            if (parts.contains("uplink")) {
                lost = uplink(fleet, dir);
            }
            for (int i = 1; i < 3; i++) {
                if (fleet.node(i).pid() < 0) {
                    fleet.start(i);
                }
            }
            if (parts.contains("takeover")) {
                System.out.printf("%n## takeovers: %,d persistent MQTT 5 sessions, %d at once%n", takeoverSessions,
                        takeoverConcurrency);
                List<FleetTakeovers.Move> moves = new FleetTakeovers(fleet, takeoverSessions, takeoverConcurrency,
                        System.out).run(takeoverRounds, 3);
                System.out.println(FleetTakeovers.header());
                moves.forEach(m -> System.out.println(m.row()));
                moves.stream().filter(m -> m.firstProblem() != null).findFirst()
                        .ifPresent(m -> System.out.println("first problem: " + m.firstProblem()));
            }
            if (parts.contains("reconnect")) {
                System.out.printf("%n## reconnect from a killed node: %,d persistent MQTT 5 sessions, %d messages each%n",
                        reconnectSessions, reconnectMessages);
                FleetReconnect.Result r = new FleetReconnect(fleet, reconnectSessions, reconnectMessages,
                        reconnectConcurrency, System.out).run(Duration.ofSeconds(reconnectWaitSeconds), !reconnectControl);
                if (reconnectControl) {
                    System.out.println("reconnect: CONTROL run, node 1 was NOT killed (the clients were taken over)");
                }
                System.out.println("reconnect: " + r.summary());
            }
            System.out.println("\nevents counted by the nodes (sluice_events_total, non-zero, since each started):");
            fleet.events().forEach(System.out::println);
            List<String> errors = fleet.errorLines(5);
            if (!errors.isEmpty()) {
                System.out.println("\nerror lines in the nodes' logs (first 5 per node):");
                errors.forEach(System.out::println);
            }
        }
        return lost ? 1 : 0;
    }

    /** Part 1; returns whether the audit found a PUBACKed reading missing. */
    private boolean uplink(FleetNodes fleet, Path dir) throws Exception {
        System.out.printf(Locale.ROOT, "%n## uplink: %,d connections (MQTT %s), %,.0f QoS 1 PUBLISHes/s for %.0f s,"
                        + " window %d, %d B payloads%n", devices, mqttVersion == 5 ? "5" : "3.1.1", rate, seconds,
                window, payloadBytes);
        FleetUplink load = new FleetUplink(fleet, devices, window, payloadBytes, mqttVersion, rate);
        List<FleetUplink.Row> rows = new ArrayList<>();
        load.run("w1", 1, 1, warmupSeconds, false);
        rows.add(print(load.run("m1", 1, 1, seconds, true)));
        fleet.start(1);
        fleet.start(2);
        load.run("w3", 3, 3, warmupSeconds, false);
        rows.add(print(load.run("m3", 3, 3, seconds, true)));
        if (mosquitto) {
            Path mdir = Files.createDirectories(dir.resolve("mosquitto"));
            try (ServerUnderTest m = ServerUnderTest.mosquittoPersistent(mdir, Qos1BenchCommand.freePort(), 32)) {
                load.runPeer("wm", m, warmupSeconds);
                rows.add(print(load.runPeer("mm", m, seconds)));
            }
        }
        System.out.println(FleetUplink.header());
        rows.forEach(r -> System.out.println(r.line()));
        FleetUplink.Row one = rows.get(0);
        FleetUplink.Row three = rows.get(1);
        System.out.printf(Locale.ROOT, "3 nodes : 1 node, same run: msg/s %.2f, p99 %.2f, nodes' CPU per message %.2f,"
                        + " nodes' + Kafka's CPU per message %.2f%n",
                three.report().messagesPerSecond() / one.report().messagesPerSecond(),
                p99(three) / p99(one), three.perMillion(three.loadedCpu()) / one.perMillion(one.loadedCpu()),
                three.perMillion(three.loadedCpu() + three.kafkaCpu()) / one.perMillion(one.loadedCpu() + one.kafkaCpu()));
        return rows.stream().anyMatch(r -> r.missing() > 0);
    }

    private static FleetUplink.Row print(FleetUplink.Row row) {
        System.out.println(row.server() + " on " + row.loaded() + " node(s): " + row.report().summary().replace('\n', ' '));
        return row;
    }

    private static double p99(FleetUplink.Row r) {
        return r.report().latencyMicros().getValueAtPercentile(99);
    }
}
