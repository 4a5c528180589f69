package io.sluice.sim;

import org.HdrHistogram.Histogram;

/**
 * What a load run measured.
 *
 * @param sent           messages published
 * @param acknowledged   messages acknowledged (PUBACK for QoS1)
 * @param failed         publishes that failed (error PUBACK, connection lost)
 * @param elapsedNanos   from the first PUBLISH to the last outcome
 * @param connectNanos   time to connect every device
 * @param latencyMicros  PUBLISH-to-PUBACK latency, microseconds
 */
public record LoadReport(long sent, long acknowledged, long failed, long elapsedNanos, long connectNanos,
                         Histogram latencyMicros) {

    public double messagesPerSecond() {
        return elapsedNanos == 0 ? 0 : acknowledged * 1e9 / elapsedNanos;
    }

    public String summary() {
        Histogram h = latencyMicros;
        return String.format("%,d sent, %,d acknowledged, %,d failed in %.2f s: %,.0f msg/s%n"
                        + "PUBLISH->PUBACK latency ms: p50 %.2f  p99 %.2f  p99.9 %.2f  max %.2f (connect all: %.2f s)",
                sent, acknowledged, failed, elapsedNanos / 1e9, messagesPerSecond(),
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0, connectNanos / 1e9);
    }
}
