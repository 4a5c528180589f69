package io.sluice.sim.bench;

import io.sluice.sim.Neighbour;
import java.io.PrintStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice-sim netfuzz}: malformed and mutated MQTT 3.1.1/5, MQTT-SN and line-protocol inputs from many
 * connections and source addresses at a {@code sluice run} child JVM (real Kafka, fan-out to a real QuestDB), while a
 * well-behaved QoS 1 neighbour publishes through a quiet phase and then through the fuzz; ends with the loss audit
 * and the TSDB's exact-count audit. Exit 0 when the daemon never crashed, was alive and ready at the end, and both
 * audits passed.
 */
@Command(name = "netfuzz", mixinStandardHelpOptions = true,
        description = "Network fuzzing of a running daemon: seeded, bounded (--inputs, --max-seconds) malformed and"
                + " mutated MQTT, MQTT-SN and line-protocol inputs while a QoS 1 neighbour is audited.")
public final class NetFuzzCommand implements Callable<Integer> {
    @Option(names = "--seed", description = "seed of the inputs; case i depends only on the seed and i (default: the"
            + " current time, printed)")
    Long seed;

    @Option(names = "--inputs", defaultValue = "1000000", description = "inputs (frames, datagrams) to send")
    long inputs;

    @Option(names = "--max-seconds", defaultValue = "1800", description = "stop the fuzz after this long anyway")
    long maxSeconds;

    @Option(names = "--quiet-seconds", defaultValue = "60", description = "the neighbour alone, before the fuzz")
    long quietSeconds;

    @Option(names = "--tcp-concurrency", defaultValue = "128", description = "TCP fuzz connections at once")
    int tcpConcurrency;

    @Option(names = "--udp-threads", defaultValue = "2", description = "UDP fuzz senders")
    int udpThreads;

    @Option(names = "--source-addresses", defaultValue = "127.0.1.1-127.0.1.64",
            description = "loopback addresses the fuzz sends from (list and/or ranges)")
    String sourceAddresses;

    @Option(names = "--neighbour-rate", defaultValue = "200", description = "neighbour PUBLISHes per second")
    double neighbourRate;

    @Option(names = "--neighbour-devices", defaultValue = "8")
    int neighbourDevices;

    @Option(names = "--neighbour-mqtt-version", defaultValue = "5")
    int neighbourVersion;

    @Option(names = "--daemon-jvm", defaultValue = "-Xmx2g -XX:+ExitOnOutOfMemoryError",
            description = "JVM options of the daemon")
    String daemonJvm;

    @Option(names = "--tsdb-wait-seconds", defaultValue = "300", description = "how long the TSDB audit waits for"
            + " the fan-out to write every neighbour reading (it works through the fuzz's records first)")
    long tsdbWaitSeconds;

    @Option(names = "--show-case", description = "print case N of --seed (transport, kind, bytes in hex) and exit")
    Long showCase;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        long s = seed != null ? seed : System.currentTimeMillis();
        if (showCase != null) {
            FuzzCase c = NetFuzz.caseAt(s, showCase);
            out.printf("seed %d case %d: %s %s, %d input(s), reset %s%n", s, showCase, c.transport(), c.kind(),
                    c.inputs(), c.reset());
            c.writes().forEach(w -> out.println(HexFormat.of().formatHex(w)));
            return 0;
        }
        io.sluice.daemon.internal.Logging.configure("error", "text");
        List<InetAddress> sources = io.sluice.sim.SourceAddresses.parse(sourceAddresses);
        out.printf(Locale.ROOT, "netfuzz: seed %d, up to %,d inputs or %d s, %d TCP connections at once from %d"
                        + " source addresses, %d UDP senders; neighbour %d MQTT %d devices at %.0f/s; %d core(s)%n", s,
                inputs, maxSeconds, tcpConcurrency, sources.size(), udpThreads, neighbourDevices, neighbourVersion,
                neighbourRate, Runtime.getRuntime().availableProcessors());
        try (ChaosStack stack = new ChaosStack(1, Map.of(), daemonJvm, out);
             DaemonWatch watch = new DaemonWatch(stack.daemon, true);
             Neighbour neighbour = stack.neighbour(neighbourDevices, neighbourRate, 16, neighbourVersion)) {
            ChaosStack.sleep(10_000); // warm-up, not reported
            neighbour.phase();
            ChaosStack.sleep(quietSeconds * 1000);
            Neighbour.Phase quiet = neighbour.phase();
            out.printf(Locale.ROOT, "quiet %d s: %s%n", quietSeconds, quiet.summary());

            NetFuzz fuzz = new NetFuzz(s, InetAddress.getLoopbackAddress(), stack.daemon.mqttPort,
                    stack.daemon.mqttSnPort, stack.daemon.lineUdpPort, sources);
            long t0 = System.nanoTime();
            Thread progress = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (true) {
                        Thread.sleep(10_000); // progress line interval
                        out.printf(Locale.ROOT, "  %,d inputs in %,d cases after %.0f s%n", fuzz.inputs(),
                                fuzz.cases(), (System.nanoTime() - t0) / 1e9);
                    }
                } catch (InterruptedException e) {
                    // done
                }
            });
            fuzz.run(inputs, maxSeconds, tcpConcurrency, udpThreads);
            progress.interrupt();
            double fuzzSeconds = (System.nanoTime() - t0) / 1e9;
            Neighbour.Phase during = neighbour.phase();
            out.printf(Locale.ROOT, "fuzz %.0f s: %,d inputs in %,d cases (%,.1f MB), %,d connections refused or"
                            + " failed, %,d closed by the server, %,d answered%n", fuzzSeconds, fuzz.inputs(),
                    fuzz.cases(), fuzz.bytes() / 1e6, fuzz.connectFailures(), fuzz.serverClosed(), fuzz.answered());
            fuzz.inputsByKind().forEach((k, v) -> out.printf(Locale.ROOT, "  %-32s %,d%n", k, v));
            out.printf(Locale.ROOT, "during the fuzz: %s%n", during.summary());
            out.printf(Locale.ROOT, "neighbour p99 during the fuzz / quiet: %.2f ms / %.2f ms = %.2fx%n",
                    during.p99Millis(), quiet.p99Millis(), during.p99Millis() / quiet.p99Millis());

            boolean aliveAfter = stack.daemon.alive();
            boolean readyAfter = stack.daemon.ready();
            neighbour.stop(60);
            Neighbour.Phase end = neighbour.phase();
            out.printf("neighbour at the end: %s; failures by kind %s%n", end.summary(), neighbour.failureKinds());
            ChaosStack.Audit audit = stack.audit(neighbour, Duration.ofSeconds(tsdbWaitSeconds));
            int crashes = stack.daemon.crashes();
            List<String> errors = stack.daemon.errorLines();
            out.printf("daemon: %d crash(es), %d start(s), alive after the fuzz %s, ready after the fuzz %s, %d of %d"
                            + " one-second samples not ready; %s%n", crashes, stack.daemon.starts(), aliveAfter,
                    readyAfter, watch.notReadySamples(), watch.samples(), stack.memory());
            out.printf("daemon log: %d ERROR/uncaught lines%s%n", errors.size(), errors.isEmpty() ? ""
                    : ", first: " + errors.get(0));
            MetricsDigest.print(stack.daemon.metrics(), out);
            boolean ok = crashes == 0 && aliveAfter && readyAfter && audit.passed();
            out.println("netfuzz " + (ok ? "PASSED" : "FAILED"));
            return ok ? 0 : 1;
        }
    }
}
