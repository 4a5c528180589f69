package io.sluice.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.ingest.EventCounters;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-source token bucket and open-connection cap, on an injected clock. */
class AcceptLimiterTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
    private final EventCounters events = new EventCounters();

    @Test
    void burstIsAdmitted_thenTheRate_andOtherSourcesAreNotAffected() throws Exception {
        AcceptLimiter l = new AcceptLimiter(new SourceLimits(10, 20, 0, 1000), events, now::get);
        InetAddress a = InetAddress.getByName("127.0.0.1");
        int admitted = 0;
        for (int i = 0; i < 100; i++) {
            admitted += l.admit(a, null) ? 1 : 0;
        }
        assertEquals(20, admitted, "the burst");
        assertEquals(80, events.event("connection_rate_per_source_exceeded"));
        assertTrue(l.admit(InetAddress.getByName("127.0.0.2"), null), "another source has its own bucket");
        now.addAndGet(500_000_000L); // half a second: 5 tokens
        admitted = 0;
        for (int i = 0; i < 10; i++) {
            admitted += l.admit(a, null) ? 1 : 0;
        }
        assertEquals(5, admitted);
    }

    @Test
    void openConnectionsPerSource_areCapped_andFreedWhenOneCloses() throws Exception {
        AcceptLimiter l = new AcceptLimiter(new SourceLimits(0, 1, 3, 1000), events, now::get);
        InetAddress a = InetAddress.getByName("127.0.0.1");
        EmbeddedChannel[] open = new EmbeddedChannel[3];
        for (int i = 0; i < 3; i++) {
            open[i] = new EmbeddedChannel();
            assertTrue(l.admit(a, open[i]));
        }
        assertFalse(l.admit(a, new EmbeddedChannel()));
        assertEquals(1, events.event("connections_per_source_exceeded"));
        open[0].close();
        assertEquals(2, l.open(a));
        assertTrue(l.admit(a, new EmbeddedChannel()), "a slot came free");
    }

    @Test
    void exemptNetworks_areNeverLimited() throws Exception {
        AcceptLimiter l = new AcceptLimiter(new SourceLimits(1, 1, 1, 1000, java.util.List.of("127.0.0.0/8")),
                events, now::get);
        for (int i = 0; i < 50; i++) {
            assertTrue(l.admit(InetAddress.getByName("127.0.0.1"), new EmbeddedChannel()));
        }
        assertTrue(l.admit(InetAddress.getByName("10.0.0.1"), null));
        assertFalse(l.admit(InetAddress.getByName("10.0.0.1"), null), "outside the exempt network the rate holds");
    }

    @Test
    void idleSources_areSwept_soTheTableStaysBounded() throws Exception {
        AcceptLimiter l = new AcceptLimiter(new SourceLimits(10, 10, 100, 2), events, now::get);
        assertTrue(l.admit(InetAddress.getByName("127.0.0.1"), null));
        assertTrue(l.admit(InetAddress.getByName("127.0.0.2"), null));
        assertEquals(2, l.trackedSources());
        now.addAndGet(2_000_000_000L); // both buckets full again, nothing open (no channel was held)
        assertTrue(l.admit(InetAddress.getByName("127.0.0.3"), null));
        assertEquals(1, l.trackedSources(), "idle entries swept; the newcomer tracked");
    }
}
