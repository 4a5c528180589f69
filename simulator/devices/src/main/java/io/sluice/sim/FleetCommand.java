package io.sluice.sim;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sluice-sim fleet}: millions of device identities over a configurable number of connections (MQTT, MQTT-SN
 * or line-protocol datagrams), steady or in bursts, with the loss audit over a compact {@link FleetLedger}.
 * Exit 0 when nothing failed or went unfinished and (if asked) the audit found nothing acknowledged missing.
 */
@Command(name = "fleet", mixinStandardHelpOptions = true,
        description = "Drive many device identities (10 million and more) through fewer connections: identity i"
                + " publishes to sensors/<identity>/<measurement> through connection i mod --connections, steadily"
                + " (each identity every --interval-seconds) or in bursts (every identity at once). With"
                + " --audit-bootstrap, read the Kafka topic back against what was acknowledged.")
final class FleetCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @Option(names = "--transport", description = "mqtt, mqtt-sn or line-udp (default ${DEFAULT-VALUE})")
    String transport = "mqtt";
    @Option(names = "--host", description = "server host (default ${DEFAULT-VALUE})")
    String host = "127.0.0.1";
    @Option(names = "--port", description = "server port (default: 1883 mqtt, 1884 mqtt-sn, 8089 line-udp)")
    Integer port;
    @Option(names = "--identities", description = "distinct device identities (default ${DEFAULT-VALUE})")
    int identities = 100_000;
    @Option(names = "--connections", description = "connections the identities share; identity i uses connection"
            + " i mod this (default ${DEFAULT-VALUE})")
    int connections = 100;
    @Option(names = "--mode", description = "steady or burst (default ${DEFAULT-VALUE})")
    String mode = "steady";
    @Option(names = "--interval-seconds", description = "steady: each identity publishes once per interval; offered"
            + " rate = identities / interval (default ${DEFAULT-VALUE})")
    double intervalSeconds = 10;
    @Option(names = "--duration-seconds", description = "steady: how long messages fall due (default ${DEFAULT-VALUE})")
    double durationSeconds = 30;
    @Option(names = "--bursts", description = "burst: bursts of one message per identity (default ${DEFAULT-VALUE})")
    int bursts = 1;
    @Option(names = "--format", description = "payload: json, line or binary (default ${DEFAULT-VALUE})")
    String format = "json";
    @Option(names = "--source-addresses", description = "local IPv4 addresses the connections bind to, a list"
            + " and/or ranges: 127.0.0.1,127.0.0.2 or 127.0.0.1-127.0.0.8 (default ${DEFAULT-VALUE})")
    String sourceAddresses = "127.0.0.1";
    @Option(names = "--connect-rate", description = "connections opened per second (default ${DEFAULT-VALUE})")
    double connectRate = 1000;
    @Option(names = "--identity-prefix", description = "identity names are this and the zero-padded index; fresh"
            + " per run (default: f<time>-)")
    String identityPrefix = "f" + Long.toString(System.currentTimeMillis() / 1000 % 60_466_176L, 36) + "-";
    @Option(names = "--measurement", description = "last topic level and line-protocol measurement"
            + " (default ${DEFAULT-VALUE})")
    String measurement = "temperature";
    @Option(names = "--drain-seconds", description = "how long to wait for the last outcomes after the schedule"
            + " (default ${DEFAULT-VALUE})")
    long drainSeconds = 60;
    @Option(names = "--sn-retry-ms", description = "mqtt-sn: wait this long for an answer before sending again, at"
            + " most 5 times (default ${DEFAULT-VALUE})")
    long snRetryMillis = 2000;

    @Mixin
    PublishOptions publish = new PublishOptions();
    @Mixin
    AuditOptions audit = new AuditOptions();
    @Mixin
    ReportOptions reports = new ReportOptions();

    /** The run these options describe; a bad value is a usage error naming the option. */
    FleetSpec spec() {
        try {
            FleetSpec.Transport t = FleetSpec.Transport.of(transport);
            return new FleetSpec(t, host, port != null ? port : t.defaultPort(), identities, connections,
                    FleetSpec.Mode.of(mode), intervalSeconds, durationSeconds, bursts, publish.window,
                    t == FleetSpec.Transport.LINE_UDP ? 0 : publish.qos, PayloadFormat.of(format), publish.payloadBytes,
                    publish.mqttVersion, SourceAddresses.parse(sourceAddresses), connectRate, identityPrefix,
                    measurement);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(command.commandLine(), e.getMessage(), e);
        }
    }

    @Override
    public Integer call() throws Exception {
        FleetSpec spec = spec();
        PrintStream out = System.out;
        FleetLedger ledger = new FleetLedger(spec.identityPrefix(), spec.identities(), spec.rounds());
        out.printf("fleet: %s%n", spec.sentence());
        out.printf(Locale.ROOT, "target %s:%d, %,d messages scheduled, identities %s..%s%n", spec.host(), spec.port(),
                spec.totalMessages(), spec.identityName(0), spec.identityName(spec.identities() - 1));
        warnAboutLimits(spec, out);
        if (spec.transport() == FleetSpec.Transport.LINE_UDP || !spec.acknowledged()) {
            out.println("note: " + spec.transport().label() + (spec.transport() == FleetSpec.Transport.LINE_UDP
                    ? " datagrams are never acknowledged" : " at QoS 0 is never acknowledged")
                    + ": this run reports what was sent, and the audit what is present and absent; it cannot show"
                    + " that nothing was lost");
        }
        FleetReport r = new FleetLoad(spec, ledger, snRetryMillis).run(out, Duration.ofSeconds(drainSeconds));
        out.println(r.summary());
        out.printf(Locale.ROOT, "ledger: %,d identities x %d round(s), %,d bytes of bit sets (%.2f MB)%n",
                ledger.identities(), ledger.rounds(), ledger.bytes(), ledger.bytes() / 1e6);
        LossAudit.Result checked = audit.audit(ledger, Duration.ofSeconds(Math.max(60, drainSeconds)));
        if (checked != null) {
            out.println(spec.acknowledged() ? checked.toString() : checked.presenceSummary());
        }
        reports.write(spec, r.load(), checked, r.jsonFields(ledger.bytes()),
                "sluice-sim fleet against " + spec.host() + ":" + spec.port(), out);
        boolean ok = r.load().failed() == 0 && r.unfinished() == 0 && (checked == null || checked.passed());
        return ok ? 0 : 1;
    }

    /**
     * Linux gives each source address its own ephemeral ports (about 28,000 by default) towards one server port,
     * and each connection is an open file.
     */
    private static void warnAboutLimits(FleetSpec spec, PrintStream out) {
        int perAddress = (spec.connections() + spec.sourceAddresses().size() - 1) / spec.sourceAddresses().size();
        try {
            String[] range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim().split("\\s+");
            int ports = Integer.parseInt(range[1]) - Integer.parseInt(range[0]) + 1;
            if (perAddress > ports) {
                out.printf("warning: %,d connections per source address, but only %,d ephemeral ports: add"
                        + " --source-addresses (e.g. 127.0.0.1-127.0.0.%d)%n", perAddress, ports,
                        Math.min(254, (spec.connections() + ports - 1) / ports));
            }
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    if (!soft.equals("unlimited") && spec.connections() + 200 > Long.parseLong(soft)) {
                        out.printf("warning: %,d connections, but this process may open only %s files (ulimit -n)%n",
                                spec.connections(), soft);
                    }
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux, or no procfs: nothing to check against
        }
    }
}
