package io.sluice.delivery;

import java.util.Objects;

/**
 * One message a node hands over to the node a persistent session moved to (docs/DELIVERY.md, "A session that moves
 * to another node"): addressed to that one client, at the QoS and with the RETAIN flag it was to be sent with.
 * Immutable.
 *
 * @param message  the message, its QoS already the one granted to the session
 * @param inflight true when it had been sent to the client and not acknowledged: the new node resends it with DUP
 */
public record HandedMessage(Message message, boolean inflight) {
    public HandedMessage {
        Objects.requireNonNull(message, "message");
    }
}
