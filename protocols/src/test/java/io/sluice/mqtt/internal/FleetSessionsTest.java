package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.mqtt.MqttStats;
import io.sluice.mqtt.SessionLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A registry following the sessions log: what other nodes write applies here, in log order, its own writes win. */
class FleetSessionsTest {
    private static final long T0 = 1_700_000_000_000L;

    private final FleetStore store = new FleetStore("n1");
    private final MqttHarness.ManualClock clock = new MqttHarness.ManualClock(T0);
    private final MqttStats stats = new MqttStats();
    private final List<String> changes = new ArrayList<>();

    private SessionRegistry follow() {
        SessionRegistry r = new SessionRegistry(store, clock, stats, SessionLimits.defaults(), "n1");
        r.load();
        r.onRemoteChange((id, s) -> changes.add(id + "=" + (s == null ? "gone" : s.node())));
        r.follow();
        return r;
    }

    private static SessionState session(String id, long disconnectedAt, String node) {
        return new SessionState(id, 5, 3600, disconnectedAt, Map.of("cmd/" + id, 1), Map.of(), node);
    }

    @Test
    void aSessionMadeOnAnotherNode_isKnownHere_withItsSubscriptions_andReported() {
        SessionRegistry r = follow();

        store.remote("n2", "dev-1", session("dev-1", T0, "n2"));

        SessionState known = r.get("dev-1");
        assertNotNull(known, "session present for a client that made its session on n2");
        assertEquals(Map.of("cmd/dev-1", 1), known.subscriptions());
        assertEquals("n2", known.node());
        assertEquals(List.of("dev-1=n2"), changes);
    }

    @Test
    void aTombstoneOfAnotherNode_removesTheSession_andReportsItGone() {
        SessionRegistry r = follow();
        store.remote("n2", "dev-1", session("dev-1", T0, "n2"));

        store.remote("n2", "dev-1", null);

        assertNull(r.get("dev-1"));
        assertEquals(List.of("dev-1=n2", "dev-1=gone"), changes);
    }

    @Test
    void aSessionThatMovedAway_endsItsStateHere_throughOnEnded() {
        store.data.put("dev-1", SessionCodec.encode(session("dev-1", T0, "n1")));
        SessionRegistry r = follow();
        List<String> ended = new ArrayList<>();
        r.onEnded(ended::add);

        store.remote("n2", "dev-1", session("dev-1", 0, "n2"));

        assertEquals(List.of("dev-1"), ended, "its queue and subscriptions here end: it lives on n2 now");
        assertEquals("n2", r.get("dev-1").node());
    }

    @Test
    void aRecordThisNodeWrote_changesNothing_evenWhenItDiffersFromWhatIsKnown() {
        SessionRegistry r = follow();
        store.remote("n2", "dev-1", session("dev-1", T0, "n2"));

        store.remoteRaw("n1", "dev-1", SessionCodec.encode(session("dev-1", T0 + 5, "n1")));

        assertEquals("n2", r.get("dev-1").node());
        assertEquals(List.of("dev-1=n2"), changes);
    }

    @Test
    void aRemoteRecordBeforeThisNodesPendingWrite_isNotApplied_oneAfterIt_is() {
        SessionRegistry r = follow();
        SessionState mine = session("dev-1", T0, "n1");
        r.store(mine); // written, not yet read back: it is later in the log than anything read now

        store.remote("n2", "dev-1", session("dev-1", 0, "n2"));
        assertEquals(mine, r.get("dev-1"), "this node's write comes later and wins");
        assertEquals(1, stats.event("session_remote_superseded"));

        store.echoOwn();
        store.remote("n2", "dev-1", session("dev-1", 0, "n2"));
        assertEquals("n2", r.get("dev-1").node(), "after this node's record, the other node's applies");
    }

    @Test
    void keysOfOtherSessionRecords_andUndecodableRecords_areSkipped_theLatterCounted() {
        SessionRegistry r = follow();

        store.remoteRaw("n2", SessionCodec.exactlyOnceKey("dev-1", 7), SessionCodec.encodeExactlyOnce(7));
        store.remoteRaw("n2", "dev-2", new byte[] {42, 1, 2});

        assertEquals(0, r.sessionCount());
        assertEquals(1, stats.event("session_undecodable"));
        assertTrue(changes.isEmpty());
    }

    @Test
    void theExpirySweep_removesOnlyThisNodesAndUnknownSessions_andForgetsOtherNodesExpiredOnes() {
        store.data.put("mine", SessionCodec.encode(session("mine", T0, "n1")));
        store.data.put("old-format", SessionCodec.encode(new SessionState("old-format", 5, 3600, T0, Map.of())));
        store.data.put("theirs", SessionCodec.encode(session("theirs", T0, "n2")));
        SessionRegistry r = follow();
        assertEquals(3, r.sessionCount());

        clock.advance(Duration.ofSeconds(3600));
        assertEquals(2, r.sweepExpired());

        assertEquals(0, r.sessionCount(), "n2's expired session is forgotten in memory");
        assertTrue(store.data.containsKey("theirs"), "n2 writes its tombstone, not this node");
        assertFalse(store.data.containsKey("mine"));
        assertFalse(store.data.containsKey("old-format"));
    }

    @Test
    void atLoad_aSessionConnectedOnAnotherNode_staysConnected_oneConnectedHereBeforeACrash_isDisconnectedNow() {
        store.data.put("theirs", SessionCodec.encode(session("theirs", 0, "n2")));
        store.data.put("mine", SessionCodec.encode(session("mine", 0, "n1")));
        SessionRegistry r = follow();

        assertEquals(0, r.get("theirs").disconnectedAtMillis(), "connected on n2");
        assertEquals(T0, r.get("mine").disconnectedAtMillis(), "its expiry runs from the load");
        assertTrue(r.connectedElsewhere("theirs"));
        assertFalse(r.connectedElsewhere("mine"));
    }

    @Test
    void aPresenceRecordOfAnotherNode_makesItsClientConnectedElsewhere_withoutASessionHere() {
        SessionRegistry r = follow();

        store.remote("n2", "sensor", new SessionState("sensor", 4, 0, 0, Map.of(), Map.of(), "n2"));

        assertTrue(r.connectedElsewhere("sensor"));
        assertNull(r.get("sensor"), "no session present for a non-persistent client");
        store.remote("n2", "sensor", null);
        assertFalse(r.connectedElsewhere("sensor"));
    }
}
