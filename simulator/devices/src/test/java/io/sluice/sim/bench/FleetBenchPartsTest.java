package io.sluice.sim.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FleetBenchPartsTest {
    @Test
    void countedEvents_keepsNonZeroReasons_inOrder_withoutTheMetricName() {
        String body = """
                # HELP sluice_events_total drops, refusals and protocol violations by reason
                # TYPE sluice_events_total counter
                sluice_events_total{reason="handover_timeout"} 5000.0
                sluice_events_total{reason="connect_refused"} 0.0
                sluice_events_total{reason="session_took_over_remote"} 7000.0
                sluice_fleet_sessions_known 11000.0
                """;
        assertEquals("handover_timeout 5000, session_took_over_remote 7000", FleetNodes.countedEvents(body));
    }

    @Test
    void countedEvents_ofABodyWithoutEvents_isEmpty() {
        assertEquals("", FleetNodes.countedEvents("sluice_fleet_nodes 3.0\n"));
    }

    @Test
    void percentile_isTheNearestRank() {
        long[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(5, FleetTakeovers.percentile(sorted, 50));
        assertEquals(10, FleetTakeovers.percentile(sorted, 99));
        assertEquals(0, FleetTakeovers.percentile(new long[0], 99));
    }
}
