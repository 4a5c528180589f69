package io.sluice.mqtt.internal;

import io.sluice.ingest.SessionStore;
import io.sluice.mqtt.MqttStats;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every persistent session this node knows (as last confirmed durable in the {@link SessionStore}) and the live
 * connection of each client id, for takeover. Thread-safe: connections on any event loop call it.
 *
 * <p>The in-memory map only ever holds what the store has acknowledged, so a session-present answer given from
 * it survives a crash of this process.
 */
public final class SessionRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(SessionRegistry.class);

    private final SessionStore store;
    private final Clock clock;
    private final MqttStats stats;
    private final Map<String, SessionState> durable = new ConcurrentHashMap<>();
    private final Map<String, Connection> live = new ConcurrentHashMap<>();

    public SessionRegistry(SessionStore store, Clock clock, MqttStats stats) {
        this.store = store;
        this.clock = clock;
        this.stats = stats;
    }

    /** Reads every stored session (blocking); undecodable ones are logged and skipped, expired ones removed. */
    public int load() {
        long now = clock.millis();
        int expired = 0;
        for (Map.Entry<String, byte[]> e : store.loadAll().entrySet()) {
            try {
                SessionState s = SessionCodec.decode(e.getValue());
                if (s.expiredAt(now)) {
                    expired++;
                    store.remove(e.getKey());
                } else {
                    durable.put(e.getKey(), s);
                }
            } catch (IllegalArgumentException ex) {
                stats.count("session_undecodable");
                LOG.warn("Skipping stored session of '{}': {}", e.getKey(), ex.getMessage());
            }
        }
        LOG.info("Loaded {} persistent session(s), removed {} expired", durable.size(), expired);
        return durable.size();
    }

    /** The durable, unexpired session of a client id, or null. */
    SessionState get(String clientId) {
        SessionState s = durable.get(clientId);
        if (s != null && s.expiredAt(clock.millis())) {
            discard(clientId);
            return null;
        }
        return s;
    }

    /** Stores a session; completes when durable, after which {@link #get} returns it. */
    CompletionStage<Void> store(SessionState s) {
        return store.put(s.clientId(), SessionCodec.encode(s)).thenRun(() -> durable.put(s.clientId(), s));
    }

    /** Deletes a session; completes when the tombstone is durable. */
    CompletionStage<Void> discard(String clientId) {
        if (durable.remove(clientId) == null) {
            return CompletableFuture.completedFuture(null);
        }
        return store.remove(clientId);
    }

    /** Makes {@code c} the live connection of its client id; returns the one it replaces, or null. */
    Connection register(String clientId, Connection c) {
        return live.put(clientId, c);
    }

    /** Removes {@code c} if it is still the live connection of its id (false when it was taken over). */
    boolean unregister(String clientId, Connection c) {
        return live.remove(clientId, c);
    }

    Connection live(String clientId) {
        return live.get(clientId);
    }

    /** Closes the live connection of a client id (an operator's kick); false when it is not connected here. */
    public boolean kick(String clientId) {
        Connection c = live.get(clientId);
        if (c == null) {
            return false;
        }
        c.kick();
        return true;
    }

    /** Client ids connected to this node now. */
    public java.util.Set<String> liveClientIds() {
        return java.util.Set.copyOf(live.keySet());
    }

    /** Removes sessions whose clients stayed away longer than their expiry. Called periodically. */
    public int sweepExpired() {
        long now = clock.millis();
        int removed = 0;
        for (Map.Entry<String, SessionState> e : durable.entrySet()) {
            if (e.getValue().expiredAt(now) && !live.containsKey(e.getKey())) {
                discard(e.getKey());
                stats.count("session_expired");
                removed++;
            }
        }
        return removed;
    }

    public int sessionCount() {
        return durable.size();
    }

    public int liveCount() {
        return live.size();
    }

    /** Client ids with a durable session, for admin listings. */
    public Map<String, SessionState> sessions() {
        return Map.copyOf(durable);
    }
}
