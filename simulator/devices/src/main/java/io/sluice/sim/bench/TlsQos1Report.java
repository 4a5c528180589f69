package io.sluice.sim.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The rows of {@code bench-qos1 --tls} as a Markdown table, and per server the CPU seconds per million messages
 * over TLS and plain TCP, the TLS overhead and the ratio Sluice/Mosquitto. The summary is the mean of the rounds
 * after the first when there are two or more (the first still pays for Sluice's JIT on the measured paths).
 * Printed once, by the bench's thread.
 */
final class TlsQos1Report {
    /** One measured run and the round (from 1) it belongs to. */
    record Run(int round, Qos1Report.Row row) {
        /** CPU seconds of the server process alone per million acknowledged messages. */
        double serverCpuPerMillion() {
            return row.serverCpu() * 1e6 / row.report().acknowledged();
        }
    }

    private final List<Run> runs;
    private final int rounds;
    private final double rate;

    TlsQos1Report(List<Run> runs, int rounds, double rate) {
        this.runs = runs;
        this.rounds = rounds;
        this.rate = rate;
    }

    /** The row name of a server's TLS listener. */
    static String tls(String server) {
        return server + " tls";
    }

    void print(PrintStream out) {
        out.println();
        out.println("| round | listener | offered | msg/s | p50 ms | p99 ms | server CPU s | Kafka broker CPU s |"
                + " CPU s per 1M msgs, server | CPU s per 1M msgs, server+broker | generator CPU s | missing |");
        out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (Run run : runs) {
            Qos1Report.Row row = run.row();
            out.printf("| %d | %s | %s | %,.0f | %.2f | %.2f | %.2f | %s | %.1f | %.1f | %.2f | %s |%n", run.round(),
                    row.server(), row.load(), row.report().messagesPerSecond(),
                    row.report().latencyMicros().getValueAtPercentile(50) / 1000.0, row.p99Millis(), row.serverCpu(),
                    row.brokerCpu() < 0 ? "-" : String.format("%.2f", row.brokerCpu()), run.serverCpuPerMillion(),
                    row.cpuPerMillion(), row.generatorCpu(), row.missing() < 0 ? "-" : Long.toString(row.missing()));
        }
        int from = rounds >= 2 ? 2 : 1;
        out.printf("%nat %,.0f msg/s offered, mean of round%s %s (round 1 %s):%n", rate, from == rounds ? "" : "s",
                from == rounds ? Integer.toString(from) : from + "-" + rounds,
                from == 1 ? "only, JIT still warming" : "left out: JIT still warming");
        for (String transport : new String[] {"plain", "tls"}) {
            String s = transport.equals("tls") ? tls(Qos1BenchCommand.SLUICE) : Qos1BenchCommand.SLUICE;
            String m = transport.equals("tls") ? tls(Qos1BenchCommand.MOSQUITTO) : Qos1BenchCommand.MOSQUITTO;
            double sluiceAll = mean(s, from, r -> r.row().cpuPerMillion());
            double sluiceServer = mean(s, from, Run::serverCpuPerMillion);
            double mosquitto = mean(m, from, Run::serverCpuPerMillion);
            out.printf("  %-5s CPU s per 1M msgs: Sluice %.1f (process alone %.1f), Mosquitto %.1f;"
                            + " ratio Sluice/Mosquitto %.2f (process alone %.2f); p50/p99 ms: Sluice %.2f/%.2f,"
                            + " Mosquitto %.2f/%.2f; msg/s: Sluice %,.0f, Mosquitto %,.0f%n", transport, sluiceAll,
                    sluiceServer, mosquitto, sluiceAll / mosquitto, sluiceServer / mosquitto,
                    mean(s, from, r -> r.row().report().latencyMicros().getValueAtPercentile(50) / 1000.0),
                    mean(s, from, r -> r.row().p99Millis()),
                    mean(m, from, r -> r.row().report().latencyMicros().getValueAtPercentile(50) / 1000.0),
                    mean(m, from, r -> r.row().p99Millis()),
                    mean(s, from, r -> r.row().report().messagesPerSecond()),
                    mean(m, from, r -> r.row().report().messagesPerSecond()));
        }
        for (String server : new String[] {Qos1BenchCommand.SLUICE, Qos1BenchCommand.MOSQUITTO}) {
            ToDoubleFunction<Run> f = server.equals(Qos1BenchCommand.SLUICE) ? r -> r.row().cpuPerMillion()
                    : Run::serverCpuPerMillion;
            double plain = mean(server, from, f);
            double overTls = mean(tls(server), from, f);
            out.printf("  TLS overhead, %s: %+.1f CPU s per 1M msgs (%.2fx plain)%n", server, overTls - plain,
                    overTls / plain);
        }
    }

    /** True when any Sluice run lost an acknowledged message: the benchmark then fails. */
    boolean sluiceLostMessages() {
        return runs.stream().anyMatch(r -> r.row().server().startsWith(Qos1BenchCommand.SLUICE)
                && r.row().missing() > 0);
    }

    private double mean(String listener, int fromRound, ToDoubleFunction<Run> f) {
        return runs.stream().filter(r -> r.row().server().equals(listener) && r.round() >= fromRound).mapToDouble(f)
                .average().orElse(Double.NaN);
    }
}
