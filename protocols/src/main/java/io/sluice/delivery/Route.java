package io.sluice.delivery;

import java.util.Objects;
import java.util.Set;

/**
 * One node a message is appended for (docs/DELIVERY.md, "Delivery across nodes"), and which shared subscriptions
 * ({@code $share/G/F}) that node serves for it. Immutable.
 *
 * @param node         the target node's {@code node_id}
 * @param sharedGroups the shared subscriptions the node serves, each as {@code G/F} (the filter without its
 *                     {@code $share/} prefix); empty: none; null: every shared subscription it holds (a record
 *                     without the list, as before delivery crossed nodes)
 */
public record Route(String node, Set<String> sharedGroups) {
    public Route {
        Objects.requireNonNull(node, "node");
        sharedGroups = sharedGroups == null ? null : Set.copyOf(sharedGroups);
    }

    /** A route to {@code node} that serves every shared subscription it holds. */
    public static Route allGroups(String node) {
        return new Route(node, null);
    }
}
