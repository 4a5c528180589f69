package io.sluice.sim.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProducerPerformanceRunTest {
    private static final String WINDOW =
            "248833 records sent, 49766.6 records/sec (6.07 MB/sec), 180.1 ms avg latency, 502.0 ms max latency.";
    private static final String TOTAL = "250000 records sent, 48123.456789 records/sec (5.87 MB/sec), 170.25 ms avg"
            + " latency, 502.00 ms max latency, 160 ms 50th, 300 ms 95th, 410 ms 99th, 480 ms 99.9th.";
    private static final String STEADY = "200000 steady state records sent, 51234.500000 records/sec (6.25 MB/sec),"
            + " 150.10 ms avg latency, 450.00 ms max latency, 140 ms 50th, 280 ms 95th, 390 ms 99th, 440 ms 99.9th.";

    @Test
    void steadyStateLine_isTheFigure_whenTheToolPrintsOne() {
        ProducerPerformanceRun.Result r = ProducerPerformanceRun.parse(List.of(
                "Warmup first 50000 records. Steady state results will print after the complete test summary.",
                WINDOW, TOTAL, STEADY)).orElseThrow();
        assertEquals(51234.5, r.recordsPerSecond(), 1e-6);
        assertEquals(390, r.p99Millis());
        assertEquals(STEADY, r.summary());
    }

    @Test
    void wholeRunLine_isTheFigure_withoutWarmup_andProgressLinesAreNot() {
        ProducerPerformanceRun.Result r = ProducerPerformanceRun.parse(List.of(WINDOW, TOTAL)).orElseThrow();
        assertEquals(48123.456789, r.recordsPerSecond(), 1e-6);
        assertEquals(410, r.p99Millis());
    }

    @Test
    void noSummary_isEmpty() {
        assertTrue(ProducerPerformanceRun.parse(List.of(WINDOW, "Exception in thread main")).isEmpty());
    }
}
