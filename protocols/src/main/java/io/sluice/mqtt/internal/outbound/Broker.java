package io.sluice.mqtt.internal.outbound;

import io.sluice.delivery.DeliveryListener;
import io.sluice.delivery.DeliveryLog;
import io.sluice.delivery.Message;
import io.sluice.mqtt.DeliveryLimits;
import io.sluice.mqtt.MqttStats;
import java.time.Clock;
import java.util.Objects;

/**
 * Delivery to subscribers on this node: the subscription index, the retained messages, the per-session queues and
 * the dispatcher the delivery log feeds. One per MQTT listener; exists only when delivery is on.
 *
 * <p>Threading: thread-safe; see each part.
 */
public final class Broker {
    private final DeliveryLog log;
    private final String nodeId;
    private final DeliveryLimits limits;
    private final MqttStats stats;
    private final Clock clock;
    private final SubscriptionIndex index = new SubscriptionIndex();
    private final RetainedMessages retained = new RetainedMessages();
    private final Positions positions;

    public Broker(DeliveryLog log, String nodeId, DeliveryLimits limits, MqttStats stats, Clock clock) {
        this.log = Objects.requireNonNull(log, "log");
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.stats = stats;
        this.clock = clock;
        this.positions = new Positions(log);
    }

    public DeliveryLog log() {
        return log;
    }

    public String nodeId() {
        return nodeId;
    }

    public DeliveryLimits limits() {
        return limits;
    }

    public SubscriptionIndex index() {
        return index;
    }

    public RetainedMessages retained() {
        return retained;
    }

    public Positions positions() {
        return positions;
    }

    /** What the delivery log calls with this node's messages and retained changes. */
    public DeliveryListener listener() {
        return new DeliveryListener() {
            @Override
            public void onMessage(long position, Message message) {
                positions.opened(position, 0);
            }

            @Override
            public void onRetained(Message message) {
                retained.update(message);
            }
        };
    }
}
