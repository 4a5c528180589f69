package io.sluice.mqtt.internal.outbound;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per client id, the subscriptions it holds in the {@link SubscriptionIndex} (filters as subscribed, {@code $share/}
 * included): its {@link IndexedSubscription} when it holds one (most sessions), else a map from filter to
 * IndexedSubscription, so a session with one subscription costs no map of its own.
 *
 * <p>Threading: guarded by the index's lock.
 */
final class ClientSubscriptions {
    private final Map<String, Object> byClient = new HashMap<>();

    /** One subscription of {@code clientId}, or null when it holds none. */
    IndexedSubscription any(String clientId) {
        Object o = byClient.get(clientId);
        if (o instanceof IndexedSubscription s) {
            return s;
        }
        return o == null ? null : subs(o).values().iterator().next();
    }

    /** The subscription of {@code clientId} to {@code filter}, or null. */
    IndexedSubscription get(String clientId, String filter) {
        Object o = byClient.get(clientId);
        if (o instanceof IndexedSubscription s) {
            return s.filter.equals(filter) ? s : null;
        }
        return o == null ? null : subs(o).get(filter);
    }

    /** Holds {@code sub} for {@code clientId}, replacing one to the same filter. */
    void hold(String clientId, IndexedSubscription sub) {
        Object o = byClient.get(clientId);
        if (o == null || o instanceof IndexedSubscription s && s.filter.equals(sub.filter)) {
            byClient.put(clientId, sub);
        } else if (o instanceof IndexedSubscription s) {
            Map<String, IndexedSubscription> m = new LinkedHashMap<>(4);
            m.put(s.filter, s);
            m.put(sub.filter, sub);
            byClient.put(clientId, m);
        } else {
            subs(o).put(sub.filter, sub);
        }
    }

    /** Lets go of {@code clientId}'s subscription to {@code filter}; returns it, or null when it held none. */
    IndexedSubscription release(String clientId, String filter) {
        Object o = byClient.get(clientId);
        if (o instanceof IndexedSubscription s) {
            if (!s.filter.equals(filter)) {
                return null;
            }
            byClient.remove(clientId);
            return s;
        }
        if (o == null) {
            return null;
        }
        Map<String, IndexedSubscription> m = subs(o);
        IndexedSubscription s = m.remove(filter);
        if (m.size() == 1) {
            byClient.put(clientId, m.values().iterator().next());
        }
        return s;
    }

    /** The filters {@code clientId} holds, a copy. */
    List<String> filters(String clientId) {
        Object o = byClient.get(clientId);
        if (o instanceof IndexedSubscription s) {
            return List.of(s.filter);
        }
        return o == null ? List.of() : List.copyOf(subs(o).keySet());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, IndexedSubscription> subs(Object held) {
        return (Map<String, IndexedSubscription>) held;
    }
}
