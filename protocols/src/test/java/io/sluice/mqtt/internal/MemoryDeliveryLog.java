package io.sluice.mqtt.internal;

import io.sluice.delivery.DeliveryListener;
import io.sluice.delivery.DeliveryLog;
import io.sluice.delivery.Message;
import io.sluice.ingest.Delivery;
import java.util.ArrayList;
import io.sluice.delivery.Route;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A delivery log in memory for tests of MQTT behaviour (not of Kafka's): appends and retained writes complete as
 * {@link #outcome} says; the test hands what was written to the listener with {@link #deliver}, as the log's reader
 * would, and can re-read from the committed position as after a restart ({@link #restart}).
 */
public final class MemoryDeliveryLog implements DeliveryLog {
    /** The node whose records {@link #deliver} hands on (the others' are passed over, as the log's reader does). */
    public final String node;
    public final List<Message> appended = new ArrayList<>();
    public final List<List<String>> appendedTo = new ArrayList<>();
    public final List<Message> retainWrites = new ArrayList<>();
    public volatile Delivery outcome = Delivery.DELIVERED;
    public volatile long committed = -1;
    public boolean started;
    private DeliveryListener listener;
    private int nextToDeliver;
    private int nextRetained;

    public MemoryDeliveryLog() {
        this("node-a");
    }

    public MemoryDeliveryLog(String node) {
        this.node = node;
    }

    /** The routes of each append, in order (what {@link #appendedTo} has the nodes of). */
    public final List<List<Route>> routes = new ArrayList<>();

    @Override
    public synchronized CompletionStage<Delivery> appendRoutes(Message message, List<Route> to) {
        // the record this node reads back names the shared groups of its own route
        Route own = to.stream().filter(r -> r.node().equals(node)).findFirst().orElse(null);
        appended.add(own == null ? message : message.withSharedGroups(own.sharedGroups()));
        appendedTo.add(to.stream().map(Route::node).toList());
        routes.add(List.copyOf(to));
        return CompletableFuture.completedFuture(outcome);
    }

    @Override
    public synchronized CompletionStage<Delivery> retain(Message message) {
        retainWrites.add(message);
        return CompletableFuture.completedFuture(outcome);
    }

    @Override
    public synchronized void start(DeliveryListener l) {
        this.listener = l;
        started = true;
        for (Message m : retainWrites) {
            l.onRetained(m);
        }
        nextRetained = retainWrites.size();
    }

    /** Hands the listener everything written since the last call: retained changes, then deliveries in order. */
    public synchronized void deliver() {
        while (nextRetained < retainWrites.size()) {
            listener.onRetained(retainWrites.get(nextRetained++));
        }
        while (nextToDeliver < appended.size()) {
            if (appendedTo.get(nextToDeliver).contains(node)) {
                listener.onMessage(nextToDeliver, appended.get(nextToDeliver));
            }
            nextToDeliver++;
        }
    }

    /** As after a restart: the next {@link #start} re-reads from the committed position. */
    public synchronized void restart() {
        nextToDeliver = (int) Math.max(0, committed);
        listener = null;
    }

    @Override
    public synchronized void commit(long position) {
        if (position < committed) {
            throw new AssertionError("commit went back from " + committed + " to " + position);
        }
        committed = position;
    }

    @Override
    public void close() {
    }
}
