package io.sluice.sim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;

/**
 * A run as a JSON report (for scripts and comparisons) and as a self-contained HTML page with two charts,
 * throughput and latency over time (inline SVG: no scripts, no network).
 */
public final class LoadReports {
    private LoadReports() {
    }

    /** The report as JSON; {@code audit} may be null when the run was not audited. */
    public static String json(RunSpec spec, LoadReport r, LossAudit.Result audit) {
        return json(spec, r, audit, "");
    }

    /**
     * The report as JSON with further top-level fields: {@code extraFields} is empty or whole {@code "key": value}
     * lines, each ending with ",\n" (a command's own measurements beside the common ones).
     */
    public static String json(RunSpec spec, LoadReport r, LossAudit.Result audit, String extraFields) {
        Histogram h = r.latencyMicros();
        StringBuilder b = new StringBuilder("{\n");
        b.append("  \"spec\": ").append(spec.json()).append(",\n");
        b.append("  \"sent\": ").append(r.sent()).append(",\n");
        b.append("  \"acknowledged\": ").append(r.acknowledged()).append(",\n");
        b.append("  \"failed\": ").append(r.failed()).append(",\n");
        b.append("  \"elapsed_seconds\": ").append(num(r.elapsedNanos() / 1e9)).append(",\n");
        b.append("  \"connect_seconds\": ").append(num(r.connectNanos() / 1e9)).append(",\n");
        b.append("  \"messages_per_second\": ").append(num(r.messagesPerSecond())).append(",\n");
        b.append("  \"latency_ms\": {\"p50\": ").append(num(h.getValueAtPercentile(50) / 1000.0))
                .append(", \"p99\": ").append(num(h.getValueAtPercentile(99) / 1000.0))
                .append(", \"p99_9\": ").append(num(h.getValueAtPercentile(99.9) / 1000.0))
                .append(", \"max\": ").append(num(h.getMaxValue() / 1000.0)).append("},\n");
        if (audit != null) {
            b.append("  \"audit\": {\"passed\": ").append(audit.passed()).append(", \"acknowledged\": ")
                    .append(audit.acknowledged()).append(", \"missing\": ").append(audit.missing())
                    .append(", \"duplicates\": ").append(audit.duplicates()).append(", \"present_unacknowledged\": ")
                    .append(audit.unackedPresent()).append(", \"sent\": ").append(audit.sent())
                    .append(", \"absent\": ").append(audit.absent()).append(", \"records\": ")
                    .append(audit.records()).append("},\n");
        }
        b.append(extraFields);
        b.append("  \"timeline\": [");
        List<LoadReport.Second> t = r.timeline();
        for (int i = 0; i < t.size(); i++) {
            LoadReport.Second s = t.get(i);
            b.append(i == 0 ? "\n" : ",\n").append("    {\"second\": ").append(s.second()).append(", \"completed\": ")
                    .append(s.completed()).append(", \"failed\": ").append(s.failed()).append(", \"p50_ms\": ")
                    .append(num(s.p50Micros() / 1000.0)).append(", \"p99_ms\": ").append(num(s.p99Micros() / 1000.0))
                    .append('}');
        }
        b.append(t.isEmpty() ? "]\n" : "\n  ]\n").append("}\n");
        return b.toString();
    }

    /** A self-contained HTML page: the summary and two SVG line charts over the run's seconds. */
    public static String html(RunSpec spec, LoadReport r, String title) {
        StringBuilder b = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
                .append(escape(title)).append("</title><style>body{font-family:sans-serif;margin:2em}"
                        + "svg{border:1px solid #ccc;margin:1em 0}pre{background:#f6f6f6;padding:1em}</style>"
                        + "</head><body>\n<h1>").append(escape(title)).append("</h1>\n<pre>")
                .append(escape(r.summary())).append("</pre>\n");
        b.append(chart("completed messages per second", r.timeline(), s -> s.completed(), "#1f77b4"));
        b.append(chart("PUBLISH to PUBACK latency p99 (ms), per second", r.timeline(), s -> s.p99Micros() / 1000.0,
                "#d62728"));
        b.append(chart("PUBLISH to PUBACK latency p50 (ms), per second", r.timeline(), s -> s.p50Micros() / 1000.0,
                "#2ca02c"));
        b.append("<p>").append(escape(spec.sentence())).append("</p>\n</body></html>\n");
        return b.toString();
    }

    private static String chart(String label, List<LoadReport.Second> t, ToDoubleFunction<LoadReport.Second> y,
                                String colour) {
        int w = 720;
        int hgt = 220;
        int pad = 40;
        double max = t.stream().mapToDouble(y).max().orElse(0);
        double top = max <= 0 ? 1 : max * 1.1;
        StringBuilder points = new StringBuilder();
        for (int i = 0; i < t.size(); i++) {
            double x = pad + (t.size() == 1 ? 0 : (w - 2.0 * pad) * i / (t.size() - 1));
            double v = hgt - pad - (hgt - 2.0 * pad) * y.applyAsDouble(t.get(i)) / top;
            points.append(i == 0 ? "" : " ").append(num(x)).append(',').append(num(v));
        }
        return "<h2>" + escape(label) + "</h2>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w + "\" height=\""
                + hgt + "\" role=\"img\" aria-label=\"" + escape(label) + "\">"
                + "<line x1=\"" + pad + "\" y1=\"" + (hgt - pad) + "\" x2=\"" + (w - pad) + "\" y2=\"" + (hgt - pad)
                + "\" stroke=\"#999\"/><line x1=\"" + pad + "\" y1=\"" + pad + "\" x2=\"" + pad + "\" y2=\""
                + (hgt - pad) + "\" stroke=\"#999\"/>"
                + "<text x=\"" + (pad + 4) + "\" y=\"" + (pad - 8) + "\" font-size=\"12\">max " + num(max) + "</text>"
                + "<text x=\"" + (w - pad) + "\" y=\"" + (hgt - pad + 16) + "\" font-size=\"12\" text-anchor=\"end\">"
                + t.size() + " s</text>"
                + "<polyline fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"2\" points=\"" + points
                + "\"/></svg>\n";
    }

    public static void write(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    static String num(double v) {
        return String.format(Locale.ROOT, "%.3f", v).replaceAll("\\.?0+$", "");
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
