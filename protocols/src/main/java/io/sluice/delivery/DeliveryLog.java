package io.sluice.delivery;

import io.sluice.ingest.Delivery;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The durable side of delivery, implemented outside {@code protocols} (the daemon wires it to Kafka: a delivery
 * topic with a partition per node and a compacted retained-messages topic; see docs/DELIVERY.md). The MQTT side
 * decides who needs a message; this log only makes it durable and hands it back to the nodes it was addressed to.
 * A message reaches a subscriber only through {@link DeliveryListener}, i.e. only after the log holds it.
 *
 * <p>Threading: {@link #append} and {@link #retain} are called on event loops and never block; their stages
 * complete exactly once, never exceptionally, on an arbitrary thread. {@link #start} is called once, after the
 * sessions are loaded and before listeners open; the listener is called on one thread of the log's own.
 */
public interface DeliveryLog {
    /**
     * Appends {@code message} for delivery on each of {@code nodes} (node ids; this node's own id for local
     * subscribers), each serving every shared subscription it holds. Completes {@link Delivery#DELIVERED} once every
     * copy is durable, otherwise retryable or rejected with a reason; a publisher is acknowledged only after this and
     * the readings record both are.
     */
    default CompletionStage<Delivery> append(Message message, Collection<String> nodes) {
        return appendRoutes(message, nodes.stream().distinct().map(Route::allGroups).toList());
    }

    /**
     * Appends {@code message} once per route: for its node, telling it which shared subscriptions it serves for this
     * message ({@link Route#sharedGroups}; the node reads it back as {@link Message#sharedGroups}). Completes as
     * {@link #append(Message, Collection)}.
     */
    CompletionStage<Delivery> appendRoutes(Message message, List<Route> routes);

    /**
     * Hands the queued and in-flight messages of the session of {@code clientId}, which moved to {@code node}, over
     * to that node: one record per message in {@code messages}' order, addressed to that client, then a marker record
     * saying the handover is done, all in {@code node}'s partition. Completes {@link Delivery#DELIVERED} once every
     * record is durable. A log that cannot address records completes rejected.
     */
    default CompletionStage<Delivery> handOver(String node, String clientId, List<HandedMessage> messages) {
        return java.util.concurrent.CompletableFuture.completedFuture(
                Delivery.rejected("this delivery log cannot hand sessions over"));
    }

    /**
     * Appends {@code message} to {@code node}'s partition addressed to {@code clientId} alone, as a handed-over
     * message that was not in flight, without a marker: a message read after a handover for a session that moved
     * there. Completes as {@link #handOver}.
     */
    default CompletionStage<Delivery> forward(String node, String clientId, Message message) {
        return java.util.concurrent.CompletableFuture.completedFuture(
                Delivery.rejected("this delivery log cannot forward messages"));
    }

    /**
     * Reads the delivery partition of {@code node} (another node, presumed gone) from {@code from} (negative: that
     * node's committed position) to the partition's end as of the scan's start, handing each message addressed to
     * that node to {@code each}, in log order, without committing anything for that node (docs/DELIVERY.md, "Node
     * death"). Handover markers, records of other nodes sharing the partition and records that do not decode are
     * passed over. Never blocks the caller: the scan runs on a thread of the log's own, and {@code each} is called
     * there. Completes with {@link Delivery#DELIVERED} and the position it read up to once the end is reached,
     * otherwise retryable or rejected with a reason (Kafka unreachable, the node has no committed position, the log
     * closed); never exceptionally. A log that cannot scan completes rejected at once.
     */
    default CompletionStage<ScanResult> scan(String node, long from,
                                             java.util.function.Consumer<ScannedMessage> each) {
        return java.util.concurrent.CompletableFuture.completedFuture(ScanResult.failed(
                Delivery.rejected("this delivery log cannot scan another node's partition")));
    }

    /**
     * Whether {@code node} stopped gracefully and has not started since (it stored its last position saying so): it
     * hands nothing over any more, so a session resumed from it is recovered at once ({@link #scan}) instead of
     * after the handover timeout. Never blocks the caller; completes false when the log does not know (the
     * default), never exceptionally, on an arbitrary thread.
     */
    default CompletionStage<Boolean> stoppedGracefully(String node) {
        return java.util.concurrent.CompletableFuture.completedFuture(false);
    }

    /**
     * Makes {@code message} the retained message of its topic; an empty payload deletes it. Completes once durable.
     * The new retained state reaches every node (this one too) through {@link DeliveryListener#onRetained}.
     */
    CompletionStage<Delivery> retain(Message message);

    /**
     * Reads the retained messages to the end (blocking, handing each to {@code listener.onRetained}), then starts
     * following this node's deliveries from the last committed position and the retained topic live.
     */
    void start(DeliveryListener listener);

    /**
     * Records that every delivery of this node before {@code position} is finished (acknowledged by its subscriber,
     * expired or dropped and counted); after a restart reading resumes there. May be called often; stores at most
     * every few seconds and at {@link #close}.
     */
    void commit(long position);

    /** Stops reading, stores the last committed position. */
    void close();
}
