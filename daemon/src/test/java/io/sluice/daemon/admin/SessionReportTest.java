package io.sluice.daemon.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.mqtt.SessionInfo;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What `sluice sessions show ID` prints of a session: its subscriptions and what delivery holds for it. */
class SessionReportTest {
    @Test
    void aSession_showsItsSubscriptions_queuedAndInflightMessages_andItsQueueDrops() {
        Map<String, Object> m = StatusReport.session(new SessionInfo("dev-1", "5", true, false, 3600,
                1_700_000_000_000L, List.of("cmd/dev-1/#"), 7, 2, 3));
        assertEquals(List.of("cmd/dev-1/#"), m.get("subscriptions"));
        assertEquals(7, m.get("queued_messages"));
        assertEquals(2, m.get("inflight_messages"));
        assertEquals(3L, m.get("queue_full_drops"));
        assertEquals("2023-11-14T22:13:20Z", m.get("disconnected_at"));
        assertEquals(null, m.get("node"), "a session of no known node");
    }

    @Test
    void aSessionOfAnotherNode_namesItsNode_inTheDocumentAndTheTable() {
        SessionInfo i = new SessionInfo("dev-2", "3.1.1", true, false, 60, 0, List.of("a/#"), 0, 0, 0, "node-7");
        assertEquals("node-7", StatusReport.session(i).get("node"));
        String table = StatusReport.sessionsTable(List.of(i));
        assertTrue(table.lines().toList().get(0).contains(" NODE "), table);
        assertTrue(table.lines().toList().get(1).matches("dev-2 +3\\.1\\.1 +yes +no +60 +node-7 +a/#"), table);
    }
}
