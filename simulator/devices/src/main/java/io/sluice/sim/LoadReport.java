package io.sluice.sim;

import org.HdrHistogram.Histogram;

/**
 * What a load run measured.
 *
 * @param sent           messages published
 * @param acknowledged   messages acknowledged by PUBACK (always 0 at QoS 0)
 * @param failed         publishes that failed (error PUBACK, connection lost)
 * @param elapsedNanos   from the first PUBLISH to the last outcome
 * @param connectNanos   time to connect every device
 * @param latencyMicros  PUBLISH-to-PUBACK latency (QoS 1) or PUBLISH-to-written (QoS 0), microseconds
 * @param qos            the QoS the devices published with
 * @param timeline       throughput and latency second by second
 */
public record LoadReport(long sent, long acknowledged, long failed, long elapsedNanos, long connectNanos,
                         Histogram latencyMicros, int qos, java.util.List<Second> timeline) {

    /**
     * One second of a run.
     *
     * @param second     seconds since the first PUBLISH (1 = the first second)
     * @param completed  messages that completed in that second (acknowledged at QoS 1, written at QoS 0)
     * @param failed     publishes that failed in that second
     * @param p50Micros  median latency of that second's completions
     * @param p99Micros  99th percentile latency of that second's completions
     */
    public record Second(int second, long completed, long failed, long p50Micros, long p99Micros) {
    }

    public LoadReport {
        timeline = timeline == null ? java.util.List.of() : java.util.List.copyOf(timeline);
    }

    /** Messages that completed without failure (acknowledged at QoS 1, written at QoS 0) per second. */
    public double messagesPerSecond() {
        return elapsedNanos == 0 ? 0 : (sent - failed) * 1e9 / elapsedNanos;
    }

    public String summary() {
        Histogram h = latencyMicros;
        return String.format("%,d sent, %,d acknowledged, %,d failed in %.2f s: %,.0f msg/s%n"
                        + "%s latency ms: p50 %.2f  p99 %.2f  p99.9 %.2f  max %.2f (connect all: %.2f s)",
                sent, acknowledged, failed, elapsedNanos / 1e9, messagesPerSecond(),
                qos == 1 ? "PUBLISH->PUBACK" : "PUBLISH->written (QoS 0)",
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0, connectNanos / 1e9);
    }
}
