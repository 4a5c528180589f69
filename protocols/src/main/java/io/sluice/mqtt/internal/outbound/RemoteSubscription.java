package io.sluice.mqtt.internal.outbound;

/**
 * A subscription of a session on another node: the publish path sends that node a record, this node's dispatcher
 * never makes a copy for it. A subclass, so that the subscriptions of this node's own sessions carry no field for it.
 * Guarded by the index's lock.
 */
final class RemoteSubscription extends IndexedSubscription {
    private final NodeRef remote;

    RemoteSubscription(String filter, int options, int subscriptionId, String group, NodeRef remote) {
        super(filter, options, subscriptionId, group);
        this.remote = remote;
    }

    @Override
    NodeRef remote() {
        return remote;
    }
}
