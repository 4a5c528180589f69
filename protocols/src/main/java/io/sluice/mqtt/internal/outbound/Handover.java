package io.sluice.mqtt.internal.outbound;

import io.sluice.delivery.HandedMessage;
import io.sluice.delivery.Message;
import io.sluice.ingest.Delivery;
import io.sluice.ingest.Outcome;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A persistent session that moves between nodes takes its messages along (docs/DELIVERY.md, "A session that moves
 * to another node"): the old node hands its unacknowledged and queued copies over to the new node's partition, then
 * a marker, and forwards what it reads for the session a moment after; the new node queues what it is handed, ahead
 * of what its session holds until the marker ({@link SessionQueue#hold}).
 *
 * <p>Threading: thread-safe; the old node's side runs on the sessions follower's thread (or whichever ends the
 * session), the new node's on the delivery log's thread; durable writes complete on the log's threads.
 */
final class Handover {
    private static final Logger LOG = LoggerFactory.getLogger(Handover.class);

    private final Broker broker;

    Handover(Broker broker) {
        this.broker = broker;
    }

    /**
     * The session of {@code clientId} moved to {@code node}: its queue here ends, and what it held (unacknowledged
     * copies first, then the queue, in order) is handed over to that node through the delivery log, followed by the
     * handover-done marker (docs/DELIVERY.md, "A session that moves to another node"). The copies' positions are
     * finished only once the handover is durable, so a crash before then replays them here. Counted
     * {@code delivery_session_moved}, and {@code handover_sent} per message (or {@code handover_failed}).
     */
    void movedAway(String clientId, SessionQueue q, String node) {
        broker.stats().count("delivery_session_moved");
        broker.moved().ended(clientId);
        List<Copy> copies = q.handOff();
        List<HandedMessage> handed = new java.util.ArrayList<>(copies.size());
        for (Copy c : copies) {
            handed.add(new HandedMessage(asSent(c), c.sent && c.qos > 0));
        }
        LOG.debug("Session '{}' moved to node '{}': {} copies queued or in flight here handed over", clientId, node,
                copies.size());
        CompletionStage<Delivery> w;
        try {
            w = broker.log().handOver(node, clientId, handed);
        } catch (RuntimeException e) {
            w = java.util.concurrent.CompletableFuture.completedFuture(Delivery.rejected(e.toString()));
        }
        w.whenComplete((d, err) -> {
            boolean ok = err == null && d != null && d.outcome() == Outcome.DELIVERED;
            if (!ok) {
                LOG.warn("Session '{}' moved to node '{}': handing over {} message(s) failed ({}); they are not"
                        + " delivered [handover_failed]", clientId, node, copies.size(),
                        err != null ? err.toString() : d == null ? "no outcome" : d.reason());
            }
            for (Copy c : copies) {
                if (ok) {
                    broker.stats().count("handover_sent");
                    broker.handedOff(c);
                } else {
                    broker.dropped(clientId, c, "handover_failed");
                }
            }
        });
    }

    /** The message of {@code c} as it was to be sent: its granted QoS, its RETAIN flag. */
    private static Message asSent(Copy c) {
        return asSent(c.message, c.qos, c.retain);
    }

    static Message asSent(Message m, int qos, boolean retain) {
        if (m.qos() == qos && m.retain() == retain) {
            return m;
        }
        return m.asSent(qos, retain); // its origin goes along: the new node writes its receipt
    }

    /** Sessions that moved away a moment ago whose subscriptions match {@code m} (the dispatcher's thread). */
    List<MovedSessions.Forward> movedMatching(Message m) {
        return broker.moved().matching(m, broker.clock().millis());
    }

    /**
     * Forwards {@code m}, read at {@code position} after {@code f}'s session moved away, to its new node; the
     * position's copy is finished once that is durable. Counted {@code handover_forwarded} (or
     * {@code handover_failed}).
     */
    void forward(MovedSessions.Forward f, Message m, long position) {
        CompletionStage<Delivery> w;
        try {
            w = broker.log().forward(f.node(), f.clientId(), asSent(m, f.qos(), f.retain()));
        } catch (RuntimeException e) {
            w = java.util.concurrent.CompletableFuture.completedFuture(Delivery.rejected(e.toString()));
        }
        w.whenComplete((d, err) -> {
            boolean ok = err == null && d != null && d.outcome() == Outcome.DELIVERED;
            broker.stats().count(ok ? "handover_forwarded" : "handover_failed");
            broker.forwarded(f.clientId(), m, f.qos(), position, ok);
        });
    }

    /**
     * A message the node {@code clientId}'s session moved from handed over (the dispatcher, at {@code position}):
     * queued for the session ahead of what is held for the handover, with DUP when it was in flight there. A client
     * whose session is not (or no longer) this node's is passed over, counted {@code handover_not_here}.
     */
    void handedOver(long position, String clientId, Message m, boolean inflight) {
        broker.positions().opened(position, 1);
        Copy c = new Copy(m, position, m.qos(), m.retain(), SubscriptionIndex.NO_IDS);
        c.addressed = true;
        c.sent = inflight;
        SessionQueue q = handoverQueue(clientId);
        if (q == null) {
            broker.dropped(clientId, c, "handover_not_here");
            return;
        }
        broker.stats().count("handover_received");
        Outbound wake = q.offer(c);
        if (wake != null) {
            wake.wake();
        }
    }

    /** The old node of {@code clientId}'s session handed over all it held: held copies go out now. */
    void handoverDone(long position, String clientId) {
        broker.positions().opened(position, 0);
        broker.recovery().cancel(clientId); // its old node was slow, not gone; or this is the recovery's own marker
        SessionQueue q = handoverQueue(clientId);
        if (q == null) {
            broker.stats().count("handover_not_here");
            return;
        }
        Outbound wake = q.handoverDone();
        if (wake != null) {
            wake.wake();
        }
    }

    /**
     * The queue of {@code clientId} for a handover: its queue here, or a new one when the sessions topic says its
     * client is connected to this node (the handover may be read before the CONNACK takes the session in); null
     * when the session is not this node's.
     */
    private SessionQueue handoverQueue(String clientId) {
        SessionQueue q = broker.queue(clientId);
        if (q != null) {
            return q;
        }
        io.sluice.mqtt.internal.SessionRegistry r = broker.sessionsOrNull();
        if (r != null && broker.nodeId().equals(r.connectedNode(clientId))) {
            return broker.queueOrNew(clientId);
        }
        return null;
    }
}
