package io.sluice.sim.bench;

import java.io.PrintStream;

/** The daemon's non-zero {@code sluice_*} samples from a {@code /metrics} body, for run reports. Stateless. */
final class MetricsDigest {
    static final int MAX_LINES = 120;

    private MetricsDigest() {
    }

    static void print(String metricsBody, PrintStream out) {
        if (metricsBody.isEmpty()) {
            out.println("daemon metrics: /metrics did not answer");
            return;
        }
        out.println("daemon metrics (non-zero sluice_* samples):");
        metricsBody.lines().filter(l -> l.startsWith("sluice_") && !l.contains("_bucket{") && !l.endsWith(" 0.0") && !l.endsWith(" 0"))
                .limit(MAX_LINES).forEach(l -> out.println("  " + l));
    }
}
