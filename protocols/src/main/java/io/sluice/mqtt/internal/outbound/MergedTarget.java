package io.sluice.mqtt.internal.outbound;

import java.util.Arrays;

/** One session's matching subscriptions merged: the highest QoS, every subscription identifier. */
final class MergedTarget {
    int qos;
    boolean retainAsPublished;
    int[] ids = SubscriptionIndex.NO_IDS;

    void add(IndexedSubscription s) {
        qos = Math.max(qos, s.options & 0x03);
        retainAsPublished |= (s.options & SubscriptionIndex.RETAIN_AS_PUBLISHED) != 0;
        if (s.subscriptionId != 0) {
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = s.subscriptionId;
        }
    }

    Target target(String clientId) {
        Arrays.sort(ids);
        return new Target(clientId, qos, retainAsPublished, ids, null);
    }
}
