package io.sluice.delivery;

/**
 * What the delivery log hands the MQTT side: this node's messages in log order, and retained-message changes.
 *
 * <p>Threading: called on the log's single reader thread; implementations must not block it for long (hand off to
 * event loops). Within one call order is the log's order.
 */
public interface DeliveryListener {
    /** A message addressed to this node, at {@code position} of its delivery partition. */
    void onMessage(long position, Message message);

    /** The retained message of {@code message.topic()} is now this one, or deleted when its payload is empty. */
    void onRetained(Message message);

    /**
     * A message another node handed over to this node for the session of {@code clientId} (it moved here), at
     * {@code position}; {@code inflight}: it had been sent there and not acknowledged. The default passes it over.
     */
    default void onHandedOver(long position, String clientId, Message message, boolean inflight) {
    }

    /** The node {@code clientId}'s session moved from has handed over all it held for it ({@code position}). */
    default void onHandoverDone(long position, String clientId) {
    }
}
