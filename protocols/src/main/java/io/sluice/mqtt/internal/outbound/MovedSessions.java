package io.sluice.mqtt.internal.outbound;

import io.sluice.delivery.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sessions of this node that moved to another node a moment ago (docs/DELIVERY.md, "A session that moves to another
 * node"): a message this node reads for one of them after it handed the session over (a publishing node routed it
 * here before it read the move) is forwarded to the session's new node. Each entry is kept for {@code windowMs}
 * (the handover timeout); at most {@link #MAX} entries, beyond which a moved session is not tracked (counted by the
 * caller). Every message read scans the entries, so the cost is bounded by how many sessions moved away in the
 * window.
 *
 * <p>Threading: thread-safe (the sessions follower adds, the delivery reader matches).
 */
final class MovedSessions {
    static final int MAX = 10_000;
    private static final int NO_LOCAL = 0x04;

    private record Moved(String node, Map<String, Integer> subscriptions, long untilMillis) {
    }

    /** A message to forward to {@code node} for {@code clientId}, at {@code qos}, RETAIN as {@code retain}. */
    record Forward(String clientId, String node, int qos, boolean retain) {
    }

    private final long windowMs;
    private final Map<String, Moved> moved = new ConcurrentHashMap<>();
    /** Ended here because they moved, their new node's record not applied yet. */
    private final Set<String> pending = ConcurrentHashMap.newKeySet();

    MovedSessions(long windowMs) {
        this.windowMs = windowMs;
    }

    /** {@code clientId}'s session ended here because it moved; its subscriptions there follow ({@link #add}). */
    void ended(String clientId) {
        if (pending.size() < MAX) {
            pending.add(clientId);
        }
    }

    /** True (once) when {@code clientId} ended here because it moved. */
    boolean takeEnded(String clientId) {
        return pending.remove(clientId);
    }

    /** Tracks {@code clientId}, now on {@code node} with {@code subscriptions}. False when full. */
    boolean add(String clientId, String node, Map<String, Integer> subscriptions, long nowMillis) {
        if (windowMs <= 0) {
            return true;
        }
        if (moved.size() >= MAX && !moved.containsKey(clientId)) {
            moved.values().removeIf(m -> m.untilMillis() <= nowMillis);
            if (moved.size() >= MAX) {
                return false;
            }
        }
        moved.put(clientId, new Moved(node, Map.copyOf(subscriptions), nowMillis + windowMs));
        return true;
    }

    /** {@code clientId}'s session is this node's again, or gone. */
    void remove(String clientId) {
        moved.remove(clientId);
        pending.remove(clientId);
    }

    /** How many tracked sessions are still within their window at {@code nowMillis}. */
    int open(long nowMillis) {
        int n = 0;
        for (Moved m : moved.values()) {
            if (m.untilMillis() > nowMillis) {
                n++;
            }
        }
        return n;
    }

    /** Where {@code m} is to be forwarded: one entry per tracked session whose subscriptions match it. */
    List<Forward> matching(Message m, long nowMillis) {
        if (moved.isEmpty()) {
            return List.of();
        }
        List<Forward> out = List.of();
        for (Map.Entry<String, Moved> e : moved.entrySet()) {
            Moved v = e.getValue();
            if (v.untilMillis() <= nowMillis) {
                moved.remove(e.getKey(), v);
                continue;
            }
            int qos = -1;
            boolean retainAsPublished = false;
            for (Map.Entry<String, Integer> s : v.subscriptions().entrySet()) {
                int o = s.getValue();
                if (SharedFilter.isShared(s.getKey()) // a shared group's message went to one member already
                        || (o & NO_LOCAL) != 0 && e.getKey().equals(m.publisherClientId())
                        || !TopicMatcher.matches(s.getKey(), m.topic())) {
                    continue;
                }
                qos = Math.max(qos, o & 0x03);
                retainAsPublished |= (o & SubscriptionIndex.RETAIN_AS_PUBLISHED) != 0;
            }
            if (qos >= 0) {
                if (out.isEmpty()) {
                    out = new ArrayList<>(1);
                }
                out.add(new Forward(e.getKey(), v.node(), Math.min(qos, m.qos()), retainAsPublished && m.retain()));
            }
        }
        return out;
    }
}
