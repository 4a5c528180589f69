package io.sluice.mqtt.internal.outbound;

import io.sluice.delivery.DeliveryListener;
import io.sluice.delivery.Message;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes this node's messages from the delivery log, in log order, and queues one copy per matching session (see
 * {@link SubscriptionIndex#match}); feeds the retained map. The copies' connections write them on their own event
 * loops; the position of each message is finished once all its copies are ({@link Positions}).
 *
 * <p>Threading: called on the log's single thread. It never blocks: queuing is a short lock per session, writing is
 * handed to event loops. Nothing a message holds can make it throw past {@link #onMessage}: a failure is counted
 * and the message's position finished, so the log moves on.
 */
final class Dispatcher implements DeliveryListener {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private final Broker broker;

    Dispatcher(Broker broker) {
        this.broker = broker;
    }

    @Override
    public void onMessage(long position, Message message) {
        Positions positions = broker.positions();
        int opened = -1;
        int handled = 0;
        try {
            if (message.expiredAt(broker.clock().millis())) {
                broker.stats().count("delivery_expired");
                if (message.origin() == null || !broker.receiptsOn()) {
                    positions.opened(position, 0);
                } else {
                    expiredDownlink(position, message); // each session it was for gets its receipt
                }
                return;
            }
            List<Target> targets = broker.index().match(message.topic(), message.publisherClientId(),
                    broker::isConnected, message.sharedGroups());
            if (message.sharedGroups() != null && !message.sharedGroups().isEmpty()) {
                countUnserved(message.sharedGroups(), targets);
            }
            List<MovedSessions.Forward> forwards = broker.handover().movedMatching(message);
            if (targets.isEmpty() && forwards.isEmpty()) {
                // addressed to this node, yet no session of its own matches now: it unsubscribed, ended or moved to
                // another node after the publishing node routed the message (or a no-local publisher's own)
                broker.stats().count("delivery_no_subscriber");
            }
            opened = targets.size() + forwards.size();
            positions.opened(position, opened); // before any copy can finish
            for (MovedSessions.Forward f : forwards) {
                handled++;
                broker.handover().forward(f, message, position); // its session moved away after this message was routed here
            }
            for (Target t : targets) {
                SessionQueue q = broker.queue(t.clientId());
                Copy c = new Copy(message, position, Math.min(message.qos(), t.qos()),
                        t.retainAsPublished() && message.retain(), t.subscriptionIds());
                handled++;
                if (q == null) {
                    broker.dropped(t.clientId(), c, "delivery_no_session");
                    continue;
                }
                Outbound wake = q.offer(c);
                if (wake != null) {
                    wake.wake();
                }
            }
        } catch (RuntimeException e) {
            broker.stats().count("delivery_dispatch_failed");
            LOG.warn("Could not dispatch the message at delivery position {} (topic '{}'): {}", position,
                    message.topic(), e.toString());
            if (opened < 0) {
                positions.opened(position, 0);
            }
            for (int i = handled; i < opened; i++) {
                positions.finished(position);
            }
        }
    }

    /**
     * A downlink message that expired before it was dispatched: one copy per matching session, each finished as
     * expired (counted once, as the message), so its receipt names every session it was for.
     */
    private void expiredDownlink(long position, Message message) {
        List<Target> targets = broker.index().match(message.topic(), message.publisherClientId(),
                broker::isConnected, message.sharedGroups());
        broker.positions().opened(position, targets.size());
        for (Target t : targets) {
            broker.ended(t.clientId(), new Copy(message, position, Math.min(message.qos(), t.qos()), false,
                    SubscriptionIndex.NO_IDS), "delivery_expired");
        }
    }

    /**
     * Shared groups the publishing node chose this node for that have no member here any more (it left, or moved to
     * another node, after the message was published): that message reaches no member of the group. Counted.
     */
    private void countUnserved(java.util.Set<String> groups, List<Target> targets) {
        int served = 0;
        for (Target t : targets) {
            if (t.shared() && groups.contains(t.group())) {
                served++;
            }
        }
        for (int i = served; i < groups.size(); i++) {
            broker.stats().count("delivery_shared_no_member");
        }
    }

    /** A message handed over for one client by the node its session moved from ({@link Broker#handedOver}). */
    @Override
    public void onHandedOver(long position, String clientId, Message message, boolean inflight) {
        try {
            broker.handover().handedOver(position, clientId, message, inflight);
        } catch (RuntimeException e) {
            broker.stats().count("delivery_dispatch_failed");
            LOG.warn("Could not take the handed-over message at delivery position {}: {}", position, e.toString());
            broker.positions().finished(position);
        }
    }

    @Override
    public void onHandoverDone(long position, String clientId) {
        broker.handover().handoverDone(position, clientId);
    }

    @Override
    public void onRetained(Message message) {
        broker.retained().update(message);
    }
}
