package io.sluice.sim;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --report} and {@code --chart}: a run written as JSON and as an HTML page ({@link LoadReports}). */
final class ReportOptions {
    @Option(names = "--report", paramLabel = "FILE", description = "write the run as JSON (totals, latency, timeline,"
            + " audit)")
    Path report;

    @Option(names = "--chart", paramLabel = "FILE", description = "write throughput and latency over time as a"
            + " self-contained HTML page")
    Path chart;

    /** Writes the files asked for and names them on {@code out}; {@code audit} may be null. */
    void write(RunSpec spec, LoadReport r, LossAudit.Result audit, String extraJson, String title, PrintStream out)
            throws IOException {
        if (report != null) {
            LoadReports.write(report, LoadReports.json(spec, r, audit, extraJson));
            out.println("report: " + report);
        }
        if (chart != null) {
            LoadReports.write(chart, LoadReports.html(spec, r, title));
            out.println("chart: " + chart);
        }
    }
}
