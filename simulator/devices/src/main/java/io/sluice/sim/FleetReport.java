package io.sluice.sim;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * What a fleet run measured, beyond the common {@link LoadReport}.
 *
 * @param load             sent, acknowledged, failed, latency, timeline
 * @param scheduled        messages the schedule held
 * @param connected        connections that connected
 * @param connections      connections asked for
 * @param connectMicros    CONNECT-to-CONNACK latency (MQTT, MQTT-SN); socket set-up for datagrams
 * @param failuresByKind   failed publishes by kind
 * @param events           what happened on the way that is no outcome: retransmissions, congestion, failed connects
 * @param burstNanos       burst mode: each burst's time from due to its last outcome
 * @param unfinished       messages without an outcome when the drain time ran out
 * @param fromDue          latency counts from when each message was due (steady) rather than from its PUBLISH
 */
public record FleetReport(LoadReport load, long scheduled, int connected, int connections, Histogram connectMicros,
                          Map<String, Long> failuresByKind, Map<String, Long> events, List<Long> burstNanos,
                          long unfinished, boolean fromDue) {

    public String summary() {
        StringBuilder b = new StringBuilder(load.summary()).append('\n');
        b.append(fromDue ? "latency counted from when each message was due (open loop)"
                : "latency counted from each PUBLISH").append('\n');
        b.append(String.format(Locale.ROOT, "%,d of %,d scheduled messages sent, %,d unfinished; %,d/%,d connected,"
                        + " connect latency ms: p50 %.2f  p99 %.2f  max %.2f", load.sent(), scheduled, unfinished,
                connected, connections, ms(connectMicros.getValueAtPercentile(50)),
                ms(connectMicros.getValueAtPercentile(99)), ms(connectMicros.getMaxValue())));
        if (!burstNanos.isEmpty()) {
            b.append('\n').append("bursts (s): ").append(burstNanos.stream()
                    .map(n -> String.format(Locale.ROOT, "%.2f", n / 1e9)).collect(Collectors.joining(" ")));
        }
        if (!failuresByKind.isEmpty()) {
            b.append('\n').append("failures by kind: ").append(failuresByKind);
        }
        if (!events.isEmpty()) {
            b.append('\n').append("events: ").append(events);
        }
        return b.toString();
    }

    /** The fleet's own top-level fields for {@link LoadReports#json(RunSpec, LoadReport, LossAudit.Result, String)}. */
    public String jsonFields(long ledgerBytes) {
        return "  \"scheduled\": " + scheduled + ",\n"
                + "  \"unfinished\": " + unfinished + ",\n"
                + "  \"connected\": " + connected + ",\n"
                + "  \"connect_latency_ms\": {\"p50\": " + LoadReports.num(ms(connectMicros.getValueAtPercentile(50)))
                + ", \"p99\": " + LoadReports.num(ms(connectMicros.getValueAtPercentile(99))) + ", \"max\": "
                + LoadReports.num(ms(connectMicros.getMaxValue())) + "},\n"
                + "  \"latency_from\": \"" + (fromDue ? "due" : "publish") + "\",\n"
                + "  \"burst_seconds\": [" + burstNanos.stream().map(n -> LoadReports.num(n / 1e9))
                .collect(Collectors.joining(", ")) + "],\n"
                + "  \"failures_by_kind\": " + counts(failuresByKind) + ",\n"
                + "  \"events\": " + counts(events) + ",\n"
                + "  \"ledger_bytes\": " + ledgerBytes + ",\n";
    }

    private static String counts(Map<String, Long> m) {
        return m.entrySet().stream().map(e -> "\"" + e.getKey().replace("\\", "\\\\").replace("\"", "\\\"") + "\": "
                + e.getValue()).collect(Collectors.joining(", ", "{", "}"));
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }
}
