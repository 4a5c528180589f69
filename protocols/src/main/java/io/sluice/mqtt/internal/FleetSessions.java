package io.sluice.mqtt.internal;

import io.sluice.mqtt.FleetView;
import io.sluice.mqtt.MqttStats;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this node learns from the sessions topic that every node writes and follows: which records are its own, and
 * what the records of other nodes change in its {@link SessionRegistry}. The log's order decides: a record of
 * another node applies unless this node's own latest write for that client id is not yet in the log (then this
 * node's write comes later and wins, and the other node yields to it when it reads it).
 *
 * <p>Threading: {@link #onRecord} runs on the store's follower thread; {@link #wrote} and {@link #writeFailed} on any
 * thread (connections' event loops, store completions). Its maps are concurrent; per client id the follower is the
 * only one that applies remote records, and {@link #wrote} happens before the write it marks is issued.
 *
 * <p>Bounds: {@link #ownPending} holds one entry per client id this node wrote and has not yet read back (about the
 * sessions this node changes while its follower catches up; only kept while following); {@link #presence} one per
 * connected non-persistent client of the fleet (see docs/DELIVERY.md, memory).
 */
final class FleetSessions {
    private static final Logger LOG = LoggerFactory.getLogger(FleetSessions.class);
    /** The marker of a removal this node wrote. */
    private static final Object TOMBSTONE = new Object();

    private final SessionRegistry registry;
    private final String nodeId;
    private final MqttStats stats;
    /** This node's latest write per client id (a state, or {@link #TOMBSTONE}) not yet read back from the log. */
    private final Map<String, Object> ownPending = new ConcurrentHashMap<>();
    /** Connected clients without a persistent session (presence records), on any node. */
    private final Map<String, SessionState> presence = new ConcurrentHashMap<>();
    private volatile boolean following;
    /** A record of another node was seen (loaded or followed): CONNECTs that resume may need to catch up. */
    private volatile boolean othersSeen;
    private volatile BiConsumer<String, SessionState> onRemoteChange = (id, s) -> { };

    FleetSessions(SessionRegistry registry, String nodeId, MqttStats stats) {
        this.registry = registry;
        this.nodeId = nodeId;
        this.stats = stats;
    }

    String nodeId() {
        return nodeId;
    }

    /** From now on every write is marked until the follower reads it back. */
    void startFollowing() {
        following = true;
        if (registry.durableMap().values().stream().anyMatch(s -> !ours(s.node()))
                || presence.values().stream().anyMatch(s -> !ours(s.node()))) {
            othersSeen = true;
        }
    }

    /** True once this node has seen a session record of another node (so other nodes share the topic). */
    boolean othersSeen() {
        return othersSeen;
    }

    void onRemoteChange(BiConsumer<String, SessionState> listener) {
        this.onRemoteChange = listener == null ? (id, s) -> { } : listener;
    }

    /**
     * This node is about to write {@code s} for {@code id} (null: a removal; a {@link Connection}: the record of a
     * CONNECT being handled); returns the marker of that write.
     */
    Object wrote(String id, Object s) {
        Object marker = s == null ? TOMBSTONE : s;
        if (following) {
            ownPending.put(id, marker);
        }
        return marker;
    }

    /** The write marked {@code marker} failed: it is not in the log, so later records of other nodes apply. */
    void writeFailed(String id, Object marker) {
        ownPending.remove(id, marker);
    }

    /** True while this node's latest write for {@code id} is not yet read back from the log. */
    boolean ownWritePending(String id) {
        return ownPending.containsKey(id);
    }

    /** Connected non-persistent clients of the fleet, by client id. */
    Map<String, SessionState> presence() {
        return presence;
    }

    /** True when {@code s} is connected on a node other than this one (a known one). */
    boolean connectedElsewhere(SessionState s) {
        return s != null && s.isConnected() && !s.node().isEmpty() && !s.node().equals(nodeId);
    }

    /** True when sessions written at {@code node} are this node's to expire and rewrite ("" is unknown: anyone's). */
    boolean ours(String node) {
        return node.isEmpty() || node.equals(nodeId);
    }

    /** One record of the sessions topic, in log order per key. Follower thread. */
    void onRecord(String key, byte[] value, String writer) {
        if (SessionCodec.isExactlyOnceKey(key)) {
            return; // another record of a session (QoS 2 ids, outbound state, will): not the session itself
        }
        SessionState s = null;
        if (value != null) {
            try {
                s = SessionCodec.decode(value);
            } catch (IllegalArgumentException e) {
                stats.count("session_undecodable");
                LOG.warn("Skipping a session record of '{}' from node '{}': {} [session_undecodable]", key, writer,
                        e.getMessage());
                return;
            }
        }
        boolean own = writer.isEmpty() ? s != null && s.node().equals(nodeId) : writer.equals(nodeId);
        if (own) {
            ownPending.remove(key, s == null ? TOMBSTONE : s);
            registry.ownRecordRead(key, s);
            return;
        }
        othersSeen = true;
        if (ownPending.containsKey(key)) {
            // this node's own write for the id is later in the log: it wins, and the other node yields on reading it
            stats.count("session_remote_superseded");
            LOG.debug("Record of '{}' from node '{}' comes before this node's own pending write: not applied", key,
                    writer);
            return;
        }
        if (apply(key, s)) {
            onRemoteChange.accept(key, s);
        }
    }

    /**
     * Applies a record another node wrote, read after this node's own latest record for the id. Returns true when
     * it changed what this node knows.
     */
    private boolean apply(String id, SessionState s) {
        Connection c = registry.live(id);
        if (c != null) {
            if (!connectedElsewhere(s)) {
                // the client is connected here, and this node's record of it is the one that stands
                if (s == null) {
                    c.sessionEndedElsewhere(); // a clean start on another node: its connected record follows
                } else if (!s.isConnected()) {
                    c.reassert(); // that node's older connection closed after this one connected
                }
                return false;
            }
            c.takeOverRemote(s.node());
        }
        if (s == null) {
            registry.delayedWills().onConnect(id, true); // the session ended there: a will waiting here is due now
        } else if (connectedElsewhere(s)) {
            registry.delayedWills().onConnect(id, false); // resumed there within its will delay: no will
        }
        Map<String, SessionState> durable = registry.durableMap();
        SessionState before;
        if (s == null || (s.expirySeconds() == 0 && !s.isConnected())) {
            before = durable.remove(id);
            presence.remove(id);
        } else if (s.expirySeconds() == 0) {
            before = durable.remove(id);
            presence.put(id, s);
        } else {
            presence.remove(id);
            before = durable.put(id, s);
        }
        if (c == null && before != null && ours(before.node()) && (s == null || !ours(s.node()))) {
            registry.ended(id); // its subscriptions and queue here end: the session lives on its new node
        }
        return true;
    }

    /** See {@link SessionRegistry#connectedNode}. */
    String connectedNode(String clientId) {
        if (registry.live(clientId) != null) {
            return nodeId;
        }
        for (SessionState s : new SessionState[] {registry.durableMap().get(clientId), presence.get(clientId)}) {
            if (s != null && s.isConnected() && !ours(s.node())) {
                return s.node();
            }
        }
        return null;
    }

    /** True when the sessions log says {@code clientId} is connected on another node now. */
    boolean connectedElsewhere(String clientId) {
        return connectedElsewhere(registry.durableMap().get(clientId)) || connectedElsewhere(presence.get(clientId));
    }

    /**
     * Connected clients per node as the records say (at most {@link FleetView#MAX_NODES} nodes by name), sessions
     * known, remote takeovers. Walks every known session.
     */
    FleetView view() {
        java.util.TreeMap<String, Long> byNode = new java.util.TreeMap<>();
        long[] other = {0};
        java.util.function.Consumer<SessionState> count = s -> {
            if (!s.isConnected()) {
                return;
            }
            String node = s.node().isEmpty() ? "unknown" : s.node();
            if (byNode.containsKey(node) || byNode.size() < FleetView.MAX_NODES) {
                byNode.merge(node, 1L, Long::sum);
            } else {
                other[0]++;
            }
        };
        Map<String, SessionState> durable = registry.durableMap();
        durable.values().forEach(count);
        presence.values().forEach(count);
        return new FleetView(nodeId, byNode, other[0], durable.size(), presence.size(),
                stats.event("session_taken_over_remote"), stats.event("session_took_over_remote"));
    }
}
