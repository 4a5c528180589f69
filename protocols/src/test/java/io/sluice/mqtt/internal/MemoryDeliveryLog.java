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

    /** A handover written by this log: for {@code node}, the messages of {@code clientId}'s session. */
    public record HandOver(String node, String clientId, List<io.sluice.delivery.HandedMessage> messages,
                           CompletableFuture<Delivery> write) {
    }

    public final List<HandOver> handOvers = new ArrayList<>();
    /** False: handovers stay unwritten until the test completes their {@link HandOver#write}. */
    public volatile boolean handOversDurable = true;
    /** Positions (indices of {@link #appended}) of records handed over to this node: client, in flight, marker. */
    private final java.util.Map<Integer, Object[]> addressed = new java.util.HashMap<>();

    @Override
    public synchronized CompletionStage<Delivery> handOver(String to, String clientId,
                                                           List<io.sluice.delivery.HandedMessage> messages) {
        CompletableFuture<Delivery> w = new CompletableFuture<>();
        handOvers.add(new HandOver(to, clientId, List.copyOf(messages), w));
        if (handOversDurable) {
            w.complete(Delivery.DELIVERED);
        }
        return w;
    }

    /** Messages forwarded by this log: node, client, message. */
    public final List<Object[]> forwards = new ArrayList<>();

    @Override
    public synchronized CompletionStage<Delivery> forward(String to, String clientId, Message message) {
        forwards.add(new Object[] {to, clientId, message});
        return CompletableFuture.completedFuture(outcome);
    }

    /** Lands {@code h} (written by another node's log) in this log, as Kafka would: its messages, then the marker. */
    public synchronized void land(HandOver h) {
        for (io.sluice.delivery.HandedMessage m : h.messages()) {
            addressed.put(appended.size(), new Object[] {h.clientId(), m.inflight(), false});
            appended.add(m.message());
            appendedTo.add(List.of(node));
            routes.add(List.of(Route.allGroups(node)));
        }
        addressed.put(appended.size(), new Object[] {h.clientId(), false, true});
        appended.add(new Message("$marker", new byte[0], 0, false, "", 0, 0, -1, null, null, null, null));
        appendedTo.add(List.of(node));
        routes.add(List.of(Route.allGroups(node)));
    }

    /** A scan asked of this log ({@link #scan}): of {@code node}'s log among {@link #peers}. */
    public record Scan(String node, long from, java.util.function.Consumer<io.sluice.delivery.ScannedMessage> each,
                       CompletableFuture<io.sluice.delivery.ScanResult> done) {
    }

    /** Other nodes' logs by node id, which {@link #scan} reads from their committed position as Kafka would. */
    public final java.util.Map<String, MemoryDeliveryLog> peers = new java.util.concurrent.ConcurrentHashMap<>();
    public final List<Scan> scans = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** True: scans wait until the test runs them ({@link #runScan}). */
    public volatile boolean scansHeld;
    /** What a scan completes with when it is not {@link Delivery#DELIVERED} (nothing is read then). */
    public volatile Delivery scanOutcome = Delivery.DELIVERED;

    @Override
    public CompletionStage<io.sluice.delivery.ScanResult> scan(String node, long from,
            java.util.function.Consumer<io.sluice.delivery.ScannedMessage> each) {
        Scan s = new Scan(node, from, each, new CompletableFuture<>());
        scans.add(s);
        if (!scansHeld) {
            runScan(s);
        }
        return s.done();
    }

    /** Times {@link #stoppedGracefully} was asked. */
    public final java.util.concurrent.atomic.AtomicInteger stoppedQuestions = new java.util.concurrent.atomic.AtomicInteger();
    /** Nodes {@link #stoppedGracefully} says stopped. */
    public final java.util.Set<String> stoppedNodes = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public CompletionStage<Boolean> stoppedGracefully(String node) {
        stoppedQuestions.incrementAndGet();
        return CompletableFuture.completedFuture(stoppedNodes.contains(node));
    }

    /**
     * Reads {@code s.node()}'s log from its committed position (or {@code s.from()}) to its end, as the Kafka log's
     * scan does; completes with the end (the index after the last record).
     */
    public void runScan(Scan s) {
        MemoryDeliveryLog from = peers.get(s.node());
        if (scanOutcome.outcome() != io.sluice.ingest.Outcome.DELIVERED || from == null) {
            s.done().complete(io.sluice.delivery.ScanResult.failed(
                    from == null ? Delivery.rejected("no log of " + s.node()) : scanOutcome));
            return;
        }
        long end;
        List<io.sluice.delivery.ScannedMessage> read;
        synchronized (from) {
            end = from.appended.size();
            read = from.unfinished(s.from() < 0 ? Math.max(0, from.committed) : s.from());
        }
        for (io.sluice.delivery.ScannedMessage m : read) {
            s.each().accept(m);
        }
        s.done().complete(new io.sluice.delivery.ScanResult(Delivery.DELIVERED, end));
    }

    /** What this node's partition holds from {@code start} on, as a scan reads it (markers left out). */
    private synchronized List<io.sluice.delivery.ScannedMessage> unfinished(long start) {
        List<io.sluice.delivery.ScannedMessage> out = new ArrayList<>();
        for (int i = (int) start; i < appended.size(); i++) {
            Object[] a = addressed.get(i);
            if (a != null && !(Boolean) a[2]) {
                out.add(new io.sluice.delivery.ScannedMessage(appended.get(i), (String) a[0], (Boolean) a[1]));
            } else if (a == null && appendedTo.get(i).contains(node)) {
                out.add(new io.sluice.delivery.ScannedMessage(appended.get(i), null, false));
            }
        }
        return out;
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
            Object[] a = addressed.get(nextToDeliver);
            if (a != null && (Boolean) a[2]) {
                listener.onHandoverDone(nextToDeliver, (String) a[0]);
            } else if (a != null) {
                listener.onHandedOver(nextToDeliver, (String) a[0], appended.get(nextToDeliver), (Boolean) a[1]);
            } else if (appendedTo.get(nextToDeliver).contains(node)) {
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
