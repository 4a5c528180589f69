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
}
