package io.sluice.mqtt.internal.outbound;

import io.sluice.delivery.Route;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The publish path's question to the {@link SubscriptionIndex}: which nodes need a message, one delivery record each
 * (docs/DELIVERY.md, "Delivery across nodes"):
 * <ul>
 *   <li>this node, when a session of its own has a matching subscription (not a no-local one of the publisher);</li>
 *   <li>each node with a session of its own that matches: connected there, or offline with a subscription of QoS 1
 *       or 2 and the message QoS 1 or 2 (an offline session queues no QoS 0);</li>
 *   <li>per shared group and filter, the node of one member (of any node): connected members first, in turn; that
 *       node's record names the group ({@link Route#sharedGroups}), so exactly one node serves it.</li>
 * </ul>
 * Every record names the groups its node serves whenever the message matched a shared group or goes to more than
 * one node; otherwise (one node, no group) it names none, as records did before delivery crossed nodes, and that
 * node serves all its groups: so no group is served by two nodes. When the index holds no other node's session, the
 * answer is this node alone, exactly as on a single node.
 *
 * <p>Threading: called under the index's read lock.
 */
final class NodeRoutes {
    private static final int NO_LOCAL = 0x04;

    private NodeRoutes() {
    }

    static List<Route> of(List<TrieNode> hits, boolean anyRemote, String publisherClientId, int qos,
                          Predicate<String> connected, String thisNode) {
        if (!anyRemote) {
            for (TrieNode n : hits) {
                if (n.direct != null && !n.direct.isEmpty() || n.groups != null && !n.groups.isEmpty()) {
                    return List.of(Route.allGroups(thisNode));
                }
            }
            return List.of();
        }
        Map<String, Set<String>> byNode = new LinkedHashMap<>(4);
        boolean shared = false;
        for (TrieNode n : hits) {
            if (n.direct != null) {
                for (Map.Entry<String, IndexedSubscription> e : n.direct.entrySet()) {
                    IndexedSubscription s = e.getValue();
                    NodeRef r = s.remote();
                    if (r == null) {
                        if ((s.options & NO_LOCAL) == 0 || !e.getKey().equals(publisherClientId)) {
                            byNode.computeIfAbsent(thisNode, k -> new LinkedHashSet<>(2));
                        }
                    } else if (r.connected() || qos > 0 && (s.options & 0x03) > 0) {
                        byNode.computeIfAbsent(r.node(), k -> new LinkedHashSet<>(2));
                    }
                }
            }
            if (n.groups != null) {
                for (SharedGroup g : n.groups.values()) {
                    IndexedSubscription m = g.pickAcrossNodes(connected);
                    if (m != null) {
                        shared = true;
                        String node = m.remote() == null ? thisNode : m.remote().node();
                        byNode.computeIfAbsent(node, k -> new LinkedHashSet<>(2)).add(g.key);
                    }
                }
            }
        }
        boolean named = shared || byNode.size() > 1;
        List<Route> out = new ArrayList<>(byNode.size());
        byNode.forEach((node, groups) -> out.add(new Route(node, named ? groups : null)));
        return out;
    }
}
