package io.sluice.mqtt.internal.outbound;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** One level of the {@link SubscriptionIndex} trie. Guarded by the index's lock. */
final class TrieNode {
    final TrieNode parent;
    final String level;
    Map<String, TrieNode> children;
    Map<String, IndexedSubscription> direct;
    Map<String, SharedGroup> groups;

    TrieNode(TrieNode parent, String level) {
        this.parent = parent;
        this.level = level;
    }

    TrieNode child(String level) {
        if (children == null) {
            children = new HashMap<>(4);
        }
        return children.computeIfAbsent(level, l -> new TrieNode(this, l));
    }

    Map<String, IndexedSubscription> direct() {
        if (direct == null) {
            direct = new LinkedHashMap<>(4);
        }
        return direct;
    }

    Map<String, SharedGroup> groups() {
        if (groups == null) {
            groups = new LinkedHashMap<>(2);
        }
        return groups;
    }

    boolean isEmpty() {
        return (children == null || children.isEmpty()) && (direct == null || direct.isEmpty())
                && (groups == null || groups.isEmpty());
    }
}
