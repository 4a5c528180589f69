package io.sluice.mqtt.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A persistent MQTT session as stored: who, which protocol level, its subscriptions and when it expires.
 * Immutable; a change makes a new instance.
 *
 * @param clientId             client identifier
 * @param protocolLevel        4 (3.1.1) or 5
 * @param expirySeconds        how long the session outlives a disconnect
 * @param disconnectedAtMillis when the client last disconnected (epoch ms), 0 while connected
 * @param subscriptions        topic filter to options byte (low two bits: granted QoS; MQTT 5 option bits above)
 * @param subscriptionIds      topic filter to its MQTT 5 subscription identifier, for the filters that have one
 * @param node                 the {@code node_id} of the node its client is connected to, or was last connected to;
 *                             "" when unknown (a record written before nodes were recorded)
 */
public record SessionState(String clientId, int protocolLevel, long expirySeconds, long disconnectedAtMillis,
                           Map<String, Integer> subscriptions, Map<String, Integer> subscriptionIds, String node) {
    public SessionState {
        node = node == null ? "" : node;
        // most sensors never subscribe: share one empty map instead of one per session
        subscriptions = subscriptions.isEmpty() ? Map.of()
                : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(subscriptions));
        subscriptionIds = subscriptionIds == null || subscriptionIds.isEmpty() ? Map.of()
                : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(subscriptionIds));
    }

    /** On no known node. */
    public SessionState(String clientId, int protocolLevel, long expirySeconds, long disconnectedAtMillis,
                        Map<String, Integer> subscriptions, Map<String, Integer> subscriptionIds) {
        this(clientId, protocolLevel, expirySeconds, disconnectedAtMillis, subscriptions, subscriptionIds, "");
    }

    /** Without subscription identifiers, on no known node. */
    public SessionState(String clientId, int protocolLevel, long expirySeconds, long disconnectedAtMillis,
                        Map<String, Integer> subscriptions) {
        this(clientId, protocolLevel, expirySeconds, disconnectedAtMillis, subscriptions, Map.of());
    }

    /** Connected now on node {@code at}. */
    SessionState connected(int level, long expiry, String at) {
        return new SessionState(clientId, level, expiry, 0, subscriptions, subscriptionIds, at);
    }

    SessionState disconnected(long atMillis, long expiry) {
        return new SessionState(clientId, protocolLevel, expiry, atMillis, subscriptions, subscriptionIds, node);
    }

    /** True while its client is connected (on {@link #node}). */
    boolean isConnected() {
        return disconnectedAtMillis == 0;
    }

    SessionState withSubscriptions(Map<String, Integer> subs) {
        Map<String, Integer> ids = new LinkedHashMap<>(subscriptionIds);
        ids.keySet().retainAll(subs.keySet());
        return new SessionState(clientId, protocolLevel, expirySeconds, disconnectedAtMillis, subs, ids, node);
    }

    SessionState withSubscriptions(Map<String, Integer> subs, Map<String, Integer> ids) {
        return new SessionState(clientId, protocolLevel, expirySeconds, disconnectedAtMillis, subs, ids, node);
    }

    /** True when the session has outlived its expiry after a disconnect. */
    boolean expiredAt(long nowMillis) {
        return disconnectedAtMillis > 0 && nowMillis - disconnectedAtMillis >= expirySeconds * 1000L;
    }

    /** Same durable content (what session-present and resumption depend on), ignoring connection timestamps. */
    boolean sameDurableContent(SessionState other) {
        return other != null && other.protocolLevel == protocolLevel && other.expirySeconds == expirySeconds
                && other.subscriptions.equals(subscriptions) && other.subscriptionIds.equals(subscriptionIds);
    }
}
