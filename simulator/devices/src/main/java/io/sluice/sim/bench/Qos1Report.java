package io.sluice.sim.bench;

import io.sluice.sim.LoadReport;
import java.io.PrintStream;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** The rows of a {@code bench-qos1} run as a Markdown table, and the ratios the project tracks. */
final class Qos1Report {
    /**
     * One measured run.
     *
     * @param server       mosquitto, moquette or sluice
     * @param load         "closed" (saturation) or the fixed offered rate
     * @param serverCpu    CPU seconds of the server process, until Kafka held what it acknowledged
     * @param brokerCpu    CPU seconds of the Kafka broker over the same span; -1 for a server without Kafka
     * @param generatorCpu CPU seconds of this JVM (the load generator) during the load
     * @param kafkaLag     seconds from the last PUBACK until Kafka held every acknowledged record; NaN without
     *                     Kafka, -1 when it never did within the timeout
     * @param missing      acknowledged but absent from Kafka per the audit; -1 when not audited
     */
    record Row(String server, String load, LoadReport report, double serverCpu, double brokerCpu,
               double generatorCpu, double kafkaLag, long missing) {
        double cpuPerMillion() {
            return (serverCpu + Math.max(0, brokerCpu)) * 1e6 / report.acknowledged();
        }

        double p99Millis() {
            return report.latencyMicros().getValueAtPercentile(99) / 1000.0;
        }
    }

    private final List<Row> rows;
    private final int rounds;
    private final double rate;

    Qos1Report(List<Row> rows, int rounds, double rate) {
        this.rows = rows;
        this.rounds = rounds;
        this.rate = rate;
    }

    void print(PrintStream out, double producerPerformance, double handWritten) {
        out.println();
        out.println("| server | load | msg/s | p50 ms | p99 ms | server CPU s | Kafka broker CPU s |"
                + " CPU s per 1M msgs (server+broker) | generator CPU s | Kafka lag s | missing |");
        out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        for (Row row : rows) {
            out.printf("| %s | %s | %,.0f | %.2f | %.2f | %.2f | %s | %.1f | %.2f | %s | %s |%n", row.server(),
                    row.load(), row.report().messagesPerSecond(),
                    row.report().latencyMicros().getValueAtPercentile(50) / 1000.0, row.p99Millis(), row.serverCpu(),
                    row.brokerCpu() < 0 ? "-" : String.format("%.2f", row.brokerCpu()), row.cpuPerMillion(),
                    row.generatorCpu(), Double.isNaN(row.kafkaLag()) ? "-"
                            : row.kafkaLag() < 0 ? "timeout" : String.format("%.2f", row.kafkaLag()),
                    row.missing() < 0 ? "-" : Long.toString(row.missing()));
        }
        String closed = "closed";
        double sluice = mean(Qos1BenchCommand.SLUICE, closed, r -> r.report().messagesPerSecond());
        double mosquitto = mean(Qos1BenchCommand.MOSQUITTO, closed, r -> r.report().messagesPerSecond());
        double moquette = mean(Qos1BenchCommand.MOQUETTE, closed, r -> r.report().messagesPerSecond());
        out.printf("%nclosed loop, msg/s (mean of %d runs each): Sluice %,.0f, Mosquitto %,.0f, Moquette bridge %,.0f%n",
                rounds, sluice, mosquitto, moquette);
        out.printf("throughput ratio Sluice/Mosquitto: %.2f (target >= 1.0)%n", sluice / mosquitto);
        out.printf("throughput ratio Sluice/Moquette bridge: %.2f (target >= 3)%n", sluice / moquette);
        out.printf("CPU s per 1M msgs, closed loop (server + its Kafka broker): Sluice %.1f, Mosquitto %.1f,"
                        + " Moquette bridge %.1f%n", mean(Qos1BenchCommand.SLUICE, closed, Row::cpuPerMillion),
                mean(Qos1BenchCommand.MOSQUITTO, closed, Row::cpuPerMillion),
                mean(Qos1BenchCommand.MOQUETTE, closed, Row::cpuPerMillion));
        if (rate > 0) {
            String load = String.format("%,.0f/s", rate);
            out.printf("p99 ms at a fixed %s offered (mean of %d runs each): Sluice %.2f, Mosquitto %.2f,"
                            + " Moquette bridge %.2f%n", load, rounds, mean(Qos1BenchCommand.SLUICE, load, Row::p99Millis),
                    mean(Qos1BenchCommand.MOSQUITTO, load, Row::p99Millis),
                    mean(Qos1BenchCommand.MOQUETTE, load, Row::p99Millis));
        }
        out.printf("Kafka ProducerPerformance ceiling (own JVM, same broker, size and settings): %,.0f records/s;"
                + " Sluice end to end / ceiling: %.2f (target 0.8)%n", producerPerformance, sluice / producerPerformance);
        out.printf("hand-written producer (this JVM, same keys): %,.0f msg/s; Sluice / it: %.2f%n", handWritten,
                sluice / handWritten);
        long bridgeMissing = rows.stream().filter(r -> r.server().equals(Qos1BenchCommand.MOQUETTE))
                .mapToLong(r -> Math.max(0, r.missing())).sum();
        if (bridgeMissing > 0) {
            out.printf("Moquette bridge: %,d acknowledged messages never reached Kafka (it PUBACKs on receipt)%n",
                    bridgeMissing);
        }
    }

    /** True when any Sluice run lost an acknowledged message: the benchmark then fails. */
    boolean sluiceLostMessages() {
        return rows.stream().anyMatch(r -> r.server().equals(Qos1BenchCommand.SLUICE) && r.missing() > 0);
    }

    private double mean(String server, String load, ToDoubleFunction<Row> f) {
        return rows.stream().filter(r -> r.server().equals(server) && r.load().equals(load)).mapToDouble(f)
                .average().orElse(Double.NaN);
    }
}
