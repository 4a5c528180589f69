package io.sluice.mqtt;

import java.util.List;

/**
 * What an operator sees of a session.
 *
 * @param clientId             client identifier
 * @param protocolVersion      "3.1.1" or "5"
 * @param persistent           true when stored in the sessions topic
 * @param connected            true when its client is connected to this node now
 * @param expirySeconds        how long it outlives a disconnect
 * @param disconnectedAtMillis when its client last disconnected (epoch ms), 0 while connected or unknown
 * @param subscriptions        stored topic filters
 * @param queued               messages waiting to be sent to it (delivery on; 0 otherwise)
 * @param inflight             messages sent to it and not yet acknowledged
 * @param queueFullDrops       messages it did not get because {@code delivery.max_queued_messages_per_session} or
 *                             {@code delivery.max_queued_bytes} was reached (since this node started)
 * @param node                 the node its client is connected to, or was last connected to, as the sessions topic
 *                             says ("" when unknown)
 */
public record SessionInfo(String clientId, String protocolVersion, boolean persistent, boolean connected,
                          long expirySeconds, long disconnectedAtMillis, List<String> subscriptions, int queued,
                          int inflight, long queueFullDrops, String node) {
    /** On no known node. */
    public SessionInfo(String clientId, String protocolVersion, boolean persistent, boolean connected,
                       long expirySeconds, long disconnectedAtMillis, List<String> subscriptions, int queued,
                       int inflight, long queueFullDrops) {
        this(clientId, protocolVersion, persistent, connected, expirySeconds, disconnectedAtMillis, subscriptions,
                queued, inflight, queueFullDrops, "");
    }

    /** Without delivery figures. */
    public SessionInfo(String clientId, String protocolVersion, boolean persistent, boolean connected,
                       long expirySeconds, long disconnectedAtMillis, List<String> subscriptions) {
        this(clientId, protocolVersion, persistent, connected, expirySeconds, disconnectedAtMillis, subscriptions, 0,
                0, 0);
    }
}
