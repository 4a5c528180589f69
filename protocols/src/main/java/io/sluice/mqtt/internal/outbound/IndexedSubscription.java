package io.sluice.mqtt.internal.outbound;

/** One subscription held in the {@link SubscriptionIndex}, and where it sits in the trie. Guarded by its lock. */
final class IndexedSubscription {
    final String filter;
    final int options;
    final int subscriptionId;
    final String group;
    TrieNode node;

    IndexedSubscription(String filter, int options, int subscriptionId, String group) {
        this.filter = filter;
        this.options = options;
        this.subscriptionId = subscriptionId;
        this.group = group;
    }
}
