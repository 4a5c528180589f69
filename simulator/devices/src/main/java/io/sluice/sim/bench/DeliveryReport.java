package io.sluice.sim.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** The rows of a {@code bench-delivery} run as a Markdown table, and the ratios the targets name. */
final class DeliveryReport {
    /**
     * One measured run.
     *
     * @param serverCpu    CPU seconds of the server process over the run and its drain
     * @param brokerCpu    CPU seconds of Sluice's Kafka broker over the same span; -1 for Mosquitto
     * @param generatorCpu CPU seconds of this JVM (publishers and subscribers) over the same span
     * @param loadAverage  the machine's 1-minute load average, the higher of before and after the run
     */
    record Row(String server, String shape, String load, String round, DeliveryLoad.Result result, double serverCpu,
               double brokerCpu, double generatorCpu, double loadAverage) {
        double p50() {
            return result.latencyMicros().getValueAtPercentile(50) / 1000.0;
        }

        double p99() {
            return result.latencyMicros().getValueAtPercentile(99) / 1000.0;
        }

        /** Deliveries per CPU-second of the server process alone. */
        double perServerCpuSecond() {
            return result.delivered() / serverCpu;
        }

        /** Deliveries per CPU-second of the server and, for Sluice, its Kafka broker. */
        double perCpuSecondWithBroker() {
            return result.delivered() / (serverCpu + Math.max(0, brokerCpu));
        }

        String line() {
            return String.format("| %s | %s | %s | %s | %,.0f | %.2f | %.2f | %,d | %.2f | %s | %.1f | %s | %.2f | %,.0f"
                            + " | %s | %.1f |", round, shape, load, server, result.deliveriesPerSecond(), p50(), p99(),
                    result.delivered(), serverCpu, brokerCpu < 0 ? "-" : String.format("%.2f", brokerCpu),
                    serverCpu * 1e6 / result.delivered(), brokerCpu < 0 ? "-"
                            : String.format("%.1f", (serverCpu + brokerCpu) * 1e6 / result.delivered()),
                    generatorCpu, perServerCpuSecond(), brokerCpu < 0 ? "-" : String.format("%,.0f",
                            perCpuSecondWithBroker()), loadAverage)
                    + (result.undelivered() > 0 || result.publishFailures() > 0 || result.notOffered() > 0
                    ? String.format(" undelivered %,d, publish failures %,d, not offered %,d", result.undelivered(),
                    result.publishFailures(), result.notOffered()) : "");
        }
    }

    static final String HEADER = "| round | pub->sub | load | server | deliveries/s | p50 ms | p99 ms | delivered |"
            + " server CPU s | Kafka broker CPU s | server CPU s per 1M deliveries | with broker |"
            + " generator CPU s | deliveries per server CPU-s | with broker | load avg |\n"
            + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

    private final List<Row> rows;
    private final double rate;

    DeliveryReport(List<Row> rows, double rate) {
        this.rows = rows;
        this.rate = rate;
    }

    void print(PrintStream out) {
        out.println();
        out.println(HEADER);
        rows.forEach(r -> out.println(r.line()));
        out.println();
        String rounds = rows.stream().anyMatch(r -> r.round().contains("warm")) ? "warm rounds" : "cold round only";
        for (String shape : rows.stream().map(Row::shape).distinct().toList()) {
            String load = "closed";
            double s = mean(DeliveryBenchCommand.SLUICE, shape, load, r -> r.result().deliveriesPerSecond());
            double m = mean(DeliveryBenchCommand.MOSQUITTO, shape, load, r -> r.result().deliveriesPerSecond());
            if (!Double.isNaN(s)) {
                out.printf("%s closed loop, %s: deliveries/s Sluice %,.0f, Mosquitto %,.0f (ratio %.2f);"
                                + " deliveries per CPU-s Sluice %,.0f (with broker %,.0f), Mosquitto %,.0f;"
                                + " ratio Sluice/Mosquitto %.2f (with broker %.2f; target >= 1)%n", shape, rounds, s, m, s / m,
                        mean(DeliveryBenchCommand.SLUICE, shape, load, Row::perServerCpuSecond),
                        mean(DeliveryBenchCommand.SLUICE, shape, load, Row::perCpuSecondWithBroker),
                        mean(DeliveryBenchCommand.MOSQUITTO, shape, load, Row::perServerCpuSecond),
                        mean(DeliveryBenchCommand.SLUICE, shape, load, Row::perServerCpuSecond)
                                / mean(DeliveryBenchCommand.MOSQUITTO, shape, load, Row::perServerCpuSecond),
                        mean(DeliveryBenchCommand.SLUICE, shape, load, Row::perCpuSecondWithBroker)
                                / mean(DeliveryBenchCommand.MOSQUITTO, shape, load, Row::perServerCpuSecond));
            }
        }
        if (rate > 0) {
            String load = String.format("%,.0f/s", rate);
            for (String shape : rows.stream().filter(r -> r.load().equals(load)).map(Row::shape).distinct().toList()) {
                out.printf("%s at %s offered, %s: p99 ms Sluice %.2f (target <= 10), Mosquitto %.2f%n", shape, load,
                        rounds, mean(DeliveryBenchCommand.SLUICE, shape, load, Row::p99),
                        mean(DeliveryBenchCommand.MOSQUITTO, shape, load, Row::p99));
            }
        }
    }

    /** Mean over the warm rounds (all rounds when there is only the cold one). */
    private double mean(String server, String shape, String load, ToDoubleFunction<Row> f) {
        boolean anyWarm = rows.stream().anyMatch(r -> r.round().contains("warm"));
        return rows.stream().filter(r -> r.server().equals(server) && r.load().equals(load)
                        && (shape == null || r.shape().equals(shape)) && (!anyWarm || r.round().contains("warm")))
                .mapToDouble(f).average().orElse(Double.NaN);
    }
}
