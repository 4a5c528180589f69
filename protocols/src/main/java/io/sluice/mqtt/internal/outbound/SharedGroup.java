package io.sluice.mqtt.internal.outbound;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** Members of one shared subscription group on one filter, taken in turn. */
final class SharedGroup {
    final LinkedHashMap<String, IndexedSubscription> members = new LinkedHashMap<>(4);
    final AtomicInteger next = new AtomicInteger();

    Target pick(Predicate<String> connected) {
        if (members.isEmpty()) {
            return null;
        }
        @SuppressWarnings("unchecked")
        Map.Entry<String, IndexedSubscription>[] all = members.entrySet().toArray(new Map.Entry[0]);
        int start = Math.floorMod(next.getAndIncrement(), all.length);
        Map.Entry<String, IndexedSubscription> chosen = all[start];
        for (int i = 0; i < all.length; i++) {
            Map.Entry<String, IndexedSubscription> e = all[(start + i) % all.length];
            if (connected.test(e.getKey())) {
                chosen = e;
                break;
            }
        }
        IndexedSubscription s = chosen.getValue();
        int[] ids = s.subscriptionId == 0 ? SubscriptionIndex.NO_IDS : new int[] {s.subscriptionId};
        return new Target(chosen.getKey(), s.options & 0x03, (s.options & SubscriptionIndex.RETAIN_AS_PUBLISHED) != 0, ids, true);
    }
}
