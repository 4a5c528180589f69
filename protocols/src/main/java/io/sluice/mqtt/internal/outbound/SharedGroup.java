package io.sluice.mqtt.internal.outbound;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Members of one shared subscription group on one filter, of this node's sessions and of other nodes', taken in
 * turn. Two turns: the publish path's over every member (which node gets the message) and the dispatcher's over
 * this node's members (which session gets it). Guarded by the index's lock (the turns are atomic: matching holds
 * only the read lock).
 */
final class SharedGroup {
    /** The group and filter, {@code G/F}: how a delivery record names it (docs/RECORDS.md). */
    final String key;
    final LinkedHashMap<String, IndexedSubscription> members = new LinkedHashMap<>(4);
    final AtomicInteger next = new AtomicInteger();
    final AtomicInteger nextAcrossNodes = new AtomicInteger();

    SharedGroup(String key) {
        this.key = key;
    }

    /**
     * The member of this node that gets a message: the next in turn for which {@code connected} holds, or the next in
     * turn when none does; null when no member is of this node.
     */
    Target pick(Predicate<String> connected) {
        @SuppressWarnings("unchecked")
        Map.Entry<String, IndexedSubscription>[] all = members.entrySet().stream()
                .filter(e -> e.getValue().remote() == null).toArray(Map.Entry[]::new);
        if (all.length == 0) {
            return null;
        }
        int start = Math.floorMod(next.getAndIncrement(), all.length);
        Map.Entry<String, IndexedSubscription> chosen = all[start];
        for (int i = 0; i < all.length; i++) {
            Map.Entry<String, IndexedSubscription> e = all[(start + i) % all.length];
            if (connected.test(e.getKey())) {
                chosen = e;
                break;
            }
        }
        return target(chosen.getKey(), chosen.getValue());
    }

    /** The first member of this node, in the group's order, that {@code among} accepts; no turn taken. */
    Target firstAmong(Predicate<String> among) {
        for (Map.Entry<String, IndexedSubscription> e : members.entrySet()) {
            if (e.getValue().remote() == null && among.test(e.getKey())) {
                return target(e.getKey(), e.getValue());
            }
        }
        return null;
    }

    private Target target(String clientId, IndexedSubscription s) {
        int[] ids = s.subscriptionId == 0 ? SubscriptionIndex.NO_IDS : new int[] {s.subscriptionId};
        return new Target(clientId, s.options & 0x03, (s.options & SubscriptionIndex.RETAIN_AS_PUBLISHED) != 0,
                ids, key);
    }

    /**
     * The member, of any node, whose node the publish path sends a message to: the next in turn that is connected
     * (a remote member as its node last wrote; one of this node as {@code connectedHere} says), or the next in turn
     * when none is; null when the group has no member.
     */
    IndexedSubscription pickAcrossNodes(Predicate<String> connectedHere) {
        if (members.isEmpty()) {
            return null;
        }
        IndexedSubscription[] all = members.values().toArray(new IndexedSubscription[0]);
        String[] ids = members.keySet().toArray(new String[0]);
        int start = Math.floorMod(nextAcrossNodes.getAndIncrement(), all.length);
        for (int i = 0; i < all.length; i++) {
            int k = (start + i) % all.length;
            NodeRef r = all[k].remote();
            if (r == null ? connectedHere.test(ids[k]) : r.connected()) {
                return all[k];
            }
        }
        return all[start];
    }
}
