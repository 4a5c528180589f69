package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.delivery.Message;
import io.sluice.delivery.Route;
import io.sluice.ingest.Delivery;
import io.sluice.mqtt.DeliveryLimits;
import io.sluice.mqtt.MqttStats;
import io.sluice.mqtt.SessionLimits;
import io.sluice.mqtt.internal.outbound.Broker;
import io.sluice.mqtt.internal.outbound.InflightRecord;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The broker wired to a registry that follows the sessions log, as a node starts: sessions last on other nodes go
 * into the index as theirs at load, and what other nodes write later moves sessions in and out of it.
 */
class FleetWiringTest {
    private static final long T0 = 1_700_000_000_000L;

    private final FleetStore store = new FleetStore("n1");
    private final MqttHarness.ManualClock clock = new MqttHarness.ManualClock(T0);
    private final MqttStats stats = new MqttStats();
    private final MemoryDeliveryLog log = new MemoryDeliveryLog("n1");

    private static SessionState session(String id, long disconnectedAt, String node) {
        return new SessionState(id, 5, 3600, disconnectedAt, Map.of("cmd/" + id, 1), Map.of(), node);
    }

    private Broker start() {
        SessionRegistry r = new SessionRegistry(store, clock, stats, SessionLimits.defaults(), "n1");
        r.load();
        Broker broker = new Broker(log, "n1", DeliveryLimits.defaults(), stats, clock);
        broker.start(r);
        r.follow();
        return broker;
    }

    private List<Route> publish(Broker broker, String topic) {
        Message m = new Message(topic, new byte[] {1}, 1, false, "pub", T0, 0, -1, null, null, null, List.of());
        broker.publish(() -> CompletableFuture.completedFuture(Delivery.DELIVERED), m);
        return log.routes.isEmpty() ? List.of() : log.routes.get(log.routes.size() - 1);
    }

    @Test
    void atLoad_sessionsLastOnOtherNodesAreTheirs_andThisNodesOwnAndUnknownOnesAreLocal() {
        store.data.put("far", SessionCodec.encode(session("far", T0 - 1000, "n2")));
        store.data.put("mine", SessionCodec.encode(session("mine", T0 - 1000, "n1")));
        store.data.put("old", SessionCodec.encode(session("old", T0 - 1000, "")));
        Broker broker = start();

        assertEquals("n2", broker.index().remoteNode("far"));
        assertFalse(broker.hasQueue("far"), "its queue is on n2");
        assertTrue(broker.hasQueue("mine"));
        assertTrue(broker.hasQueue("old"), "a record of an earlier version: this node's, as before");
        assertEquals(List.of(new Route("n2", null)), publish(broker, "cmd/far"));
        assertEquals(List.of(Route.allGroups("n1")), publish(broker, "cmd/mine"));
    }

    @Test
    void whatOtherNodesWriteLater_movesSessionsInAndOutOfTheIndex() {
        store.data.put("mine", SessionCodec.encode(session("mine", T0 - 1000, "n1")));
        store.data.put(InflightRecord.key("mine"), new InflightRecord("n1", 5, List.of()).encode());
        Broker broker = start();

        store.remote("n2", "dev-1", session("dev-1", 0, "n2"));
        assertEquals("n2", broker.index().remoteNode("dev-1"));
        assertEquals(List.of(new Route("n2", null)), publish(broker, "cmd/dev-1"));

        store.remote("n2", "dev-1", null);
        assertNull(broker.index().remoteNode("dev-1"));
        int before = log.routes.size();
        publish(broker, "cmd/dev-1");
        assertEquals(before, log.routes.size(), "nobody subscribed any more: no record");

        // a connection without a persistent session on n2 subscribed (its presence record), then ended
        store.remote("n2", "clean", new SessionState("clean", 5, 0, 0, Map.of("cmd/clean", 0), Map.of(), "n2"));
        assertEquals(List.of(new Route("n2", null)), publish(broker, "cmd/clean"));
        store.remote("n2", "clean", new SessionState("clean", 5, 0, T0, Map.of("cmd/clean", 0), Map.of(), "n2"));
        assertNull(broker.index().remoteNode("clean"), "a session without expiry ends with its connection");

        // the client of a session of this node reconnected on n3
        store.remote("n3", "mine", session("mine", 0, "n3"));
        assertFalse(broker.hasQueue("mine"), "its queue here ended");
        assertEquals(1, stats.event("delivery_session_moved"));
        assertTrue(store.writes.stream().noneMatch(w -> w.key().equals(InflightRecord.key("mine"))),
                "its outbound QoS 2 record is the new node's to write now: not deleted from here");
        assertEquals("n3", broker.index().remoteNode("mine"));
        assertEquals(List.of(new Route("n3", null)), publish(broker, "cmd/mine"));
    }
}
