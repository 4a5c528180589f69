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
 */
public record SessionState(String clientId, int protocolLevel, long expirySeconds, long disconnectedAtMillis,
                           Map<String, Integer> subscriptions) {
    public SessionState {
        // most sensors never subscribe: share one empty map instead of one per session
        subscriptions = subscriptions.isEmpty() ? Map.of()
                : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(subscriptions));
    }

    SessionState connected(int level, long expiry) {
        return new SessionState(clientId, level, expiry, 0, subscriptions);
    }

    SessionState disconnected(long atMillis, long expiry) {
        return new SessionState(clientId, protocolLevel, expiry, atMillis, subscriptions);
    }

    SessionState withSubscriptions(Map<String, Integer> subs) {
        return new SessionState(clientId, protocolLevel, expirySeconds, disconnectedAtMillis, subs);
    }

    /** True when the session has outlived its expiry after a disconnect. */
    boolean expiredAt(long nowMillis) {
        return disconnectedAtMillis > 0 && nowMillis - disconnectedAtMillis >= expirySeconds * 1000L;
    }

    /** Same durable content (what session-present and resumption depend on), ignoring connection timestamps. */
    boolean sameDurableContent(SessionState other) {
        return other != null && other.protocolLevel == protocolLevel && other.expirySeconds == expirySeconds
                && other.subscriptions.equals(subscriptions);
    }
}
