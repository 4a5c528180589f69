package io.sluice.mqtt.internal.outbound;

/**
 * Where a remote session is (docs/DELIVERY.md, "Delivery across nodes"): the node its client is connected to or was
 * last connected to, and whether it is connected now. Immutable; the {@link SubscriptionIndex} keeps one instance
 * per node and state, so a remote subscription costs one reference to it.
 */
record NodeRef(String node, boolean connected) {
}
