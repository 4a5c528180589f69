package io.sluice.mqtt;

import java.util.Map;

/**
 * The fleet as one node sees it in the sessions topic it follows: which nodes have clients connected and how many,
 * how many sessions it knows, and the takeovers across nodes. Immutable snapshot.
 *
 * @param node                this node's {@code node_id}
 * @param connectedByNode     node id to the clients connected there (persistent sessions and presence records),
 *                            sorted by node id; at most {@link #MAX_NODES} nodes, the rest counted in
 *                            {@code otherNodesConnected}
 * @param otherNodesConnected clients connected on nodes beyond the first {@link #MAX_NODES}
 * @param sessionsKnown       persistent sessions known (any node's)
 * @param presenceKnown       clients connected without a persistent session (any node's presence records)
 * @param takenByOtherNodes   connections of this node that a CONNECT on another node took over (since start)
 * @param takenFromOtherNodes CONNECTs here for a client id the log said was connected on another node (since start)
 */
public record FleetView(String node, Map<String, Long> connectedByNode, long otherNodesConnected, long sessionsKnown,
                        long presenceKnown, long takenByOtherNodes, long takenFromOtherNodes) {
    /** Nodes listed by name; a fleet beyond it is counted as one "other" (bounds the view, not the fleet). */
    public static final int MAX_NODES = 1_000;

    public FleetView {
        connectedByNode = Map.copyOf(connectedByNode);
    }
}
