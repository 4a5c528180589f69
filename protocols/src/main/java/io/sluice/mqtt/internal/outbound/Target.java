package io.sluice.mqtt.internal.outbound;

/**
 * One session that receives a copy of a message, as the {@link SubscriptionIndex} decided it.
 *
 * @param clientId          the session's client id
 * @param qos               the highest QoS granted by its matching subscriptions (the copy is sent at the lower of
 *                          this and the published QoS)
 * @param retainAsPublished true when a matching subscription asked for RETAIN as published (MQTT 5)
 * @param subscriptionIds   the subscription identifiers of every matching subscription that has one, ascending
 * @param group             for the member chosen of a shared subscription group, the group and filter
 *                          ({@code G/F}); null otherwise
 */
public record Target(String clientId, int qos, boolean retainAsPublished, int[] subscriptionIds, String group) {
    /** True when chosen as the member of a shared subscription group. */
    public boolean shared() {
        return group != null;
    }
}
