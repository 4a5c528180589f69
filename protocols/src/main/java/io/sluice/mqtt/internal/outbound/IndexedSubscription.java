package io.sluice.mqtt.internal.outbound;

/**
 * One subscription held in the {@link SubscriptionIndex}, and where it sits in the trie: of a session of this node,
 * or ({@link RemoteSubscription}) of a session of another node. Guarded by the index's lock.
 */
class IndexedSubscription {
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

    /** The node of the session holding it; null for a session of this node. */
    NodeRef remote() {
        return null;
    }
}
