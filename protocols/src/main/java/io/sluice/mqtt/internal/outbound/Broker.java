package io.sluice.mqtt.internal.outbound;

import io.netty.channel.Channel;
import io.sluice.auth.TopicPermissions;
import io.sluice.delivery.DeliveryListener;
import io.sluice.delivery.DeliveryLog;
import io.sluice.delivery.Message;
import io.sluice.delivery.Receipt;
import io.sluice.delivery.Receipts;
import io.sluice.delivery.Route;
import io.sluice.ingest.Delivery;
import io.sluice.ingest.Envelope;
import io.sluice.ingest.Ingest;
import io.sluice.ingest.Outcome;
import io.sluice.mqtt.DeliveryLimits;
import io.sluice.mqtt.MqttStats;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivery to subscribers on this node (docs/MQTT.md, "Delivery"): the subscription index, the retained messages,
 * one {@link SessionQueue} per session with subscriptions, and the {@link Dispatcher} the delivery log feeds. The
 * publish path ({@link #publish}) writes a message to the log only when a subscription matches it (and to the
 * retained topic when RETAIN is set). One per MQTT listener; exists only when delivery is on.
 *
 * <p>Threading: thread-safe. Connections call it on their event loops, the log on its own thread.
 */
public final class Broker {
    private static final Logger LOG = LoggerFactory.getLogger(Broker.class);

    private final DeliveryLog log;
    private final String nodeId;
    private final DeliveryLimits limits;
    private final MqttStats stats;
    private final Clock clock;
    private final SubscriptionIndex index = new SubscriptionIndex();
    private final RetainedMessages retained;
    private final Positions positions;
    private final Map<String, SessionQueue> queues = new ConcurrentHashMap<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final Dispatcher dispatcher = new Dispatcher(this);
    /** Sessions that moved away a moment ago: messages read for them here are forwarded. */
    private final MovedSessions moved;
    private final Handover handover = new Handover(this);
    /** Sessions resumed here from a node that did not hand them over in time: read from its partition. */
    private final Recovery recovery = new Recovery(this);
    /** Where the fate of each downlink copy is reported (off unless {@link #useReceipts} is called). */
    private final CopyReceipts receipts;
    /** Outbound QoS 2 state of persistent sessions in the sessions topic; none until {@link #start}. */
    private volatile InflightRecords records;
    /** The sessions, once {@link #start}ed: where a session that ends here went, if it moved to another node. */
    private volatile io.sluice.mqtt.internal.SessionRegistry sessions;
    /** Guards {@link #handoversClosed} against the moves the sessions follower applies. */
    private final Object moves = new Object();
    /**
     * Set by a graceful stop once no forwarding window is open ({@link #awaitForwarding}): a move read after that is
     * not handed over (this node would stop before its forwarding window passed); its queue stays here, unfinished,
     * and the new node recovers it from this node's partition. Guarded by {@link #moves}.
     */
    private boolean handoversClosed;
    /** The sessions a stopping node left to their new node's recovery (at most one per session of this node). */
    private final java.util.Set<String> leftToRecovery = ConcurrentHashMap.newKeySet();
    /** Runs a task after a delay in milliseconds (the late recovery scans); {@link #scheduleWith} in tests. */
    private volatile java.util.function.BiConsumer<Long, Runnable> later = (ms, task) ->
            java.util.concurrent.CompletableFuture.delayedExecutor(ms, java.util.concurrent.TimeUnit.MILLISECONDS)
                    .execute(task);

    public Broker(DeliveryLog log, String nodeId, DeliveryLimits limits, MqttStats stats, Clock clock) {
        this.log = Objects.requireNonNull(log, "log");
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.stats = stats;
        this.clock = clock;
        this.positions = new Positions(log);
        this.receipts = new CopyReceipts(positions, nodeId, clock);
        this.retained = new RetainedMessages(limits.maxRetainedBytes(), stats);
        this.records = InflightRecords.none(stats);
        this.moved = new MovedSessions(limits.handoverTimeoutMs());
    }

    /** Runs delayed work ({@code later.accept(delayMillis, task)}) on {@code later} instead of a timer thread. */
    public void scheduleWith(java.util.function.BiConsumer<Long, Runnable> later) {
        this.later = Objects.requireNonNull(later, "later");
    }

    /** Runs {@code task} {@code delayMillis} from now, on a thread that may not block for long. */
    void later(long delayMillis, Runnable task) {
        later.accept(delayMillis, task);
    }

    /** Report the fate of each copy of a downlink message to {@code r} (before {@link #start}). */
    public void useReceipts(Receipts r) {
        receipts.use(r);
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

    MqttStats stats() {
        return stats;
    }

    Clock clock() {
        return clock;
    }

    InflightRecords records() {
        return records;
    }

    /**
     * Starts delivery once {@code sessions} are loaded: every persistent session's subscriptions go into the index
     * (with an offline queue), sessions that end drop theirs, and the log starts (reading the retained messages to
     * the end, then following this node's deliveries from its committed position). Blocking; before listening.
     */
    public void start(io.sluice.mqtt.internal.SessionRegistry sessions) {
        this.sessions = sessions;
        sessions.onEnded(this::end);
        // what other nodes write from now on (the registry follows the sessions topic once the node is started)
        sessions.onRemoteChange((id, s) -> {
            if (s == null || s.expirySeconds() == 0 && s.disconnectedAtMillis() != 0) {
                remoteSessionGone(id); // a session without expiry ends with its connection
            } else {
                remoteSession(id, s.node(), s.disconnectedAtMillis() == 0, s.subscriptions(), s.subscriptionIds());
            }
        });
        long t0 = System.nanoTime();
        Map<String, io.sluice.mqtt.internal.SessionState> stored = sessions.sessions();
        stored.forEach((id, s) -> {
            if (s.node().isEmpty() || s.node().equals(nodeId)) {
                restore(id, s.subscriptions(), s.subscriptionIds());
            } else if (!s.subscriptions().isEmpty()) { // last on another node: its queue is there
                index.replaceRemote(id, s.node(), s.disconnectedAtMillis() == 0, s.subscriptions(),
                        s.subscriptionIds());
            }
        });
        Map<String, InflightRecord> inflight = sessions.outboundRecords();
        records = new InflightRecords(sessions.store(), stats);
        records.loaded(inflight);
        int otherNode = 0;
        for (Map.Entry<String, InflightRecord> e : inflight.entrySet()) {
            SessionQueue q = queues.get(e.getKey());
            if (!e.getValue().nodeId().equals(nodeId)) {
                otherNode++; // positions in another node's partition mean nothing here
            } else if (q != null) {
                q.restoreInflight(e.getValue());
            }
        }
        if (otherNode > 0) {
            LOG.info("Outbound QoS 2 state of {} session(s) recorded by another node ignored", otherNode);
        }
        if (!inflight.isEmpty()) {
            LOG.info("Outbound QoS 2 state of {} persistent session(s) read: their copies in flight are resent with"
                    + " their packet ids", inflight.size());
        }
        LOG.info("Delivery index: {} subscription(s) of {} persistent session(s) taken in, in {} ms", index.size(),
                stored.size(), (System.nanoTime() - t0) / 1_000_000);
        if (index.remoteSize() > 0) {
            LOG.info("Delivery index: {} of those subscriptions are of sessions last on other nodes (their messages"
                    + " are appended for those nodes)", index.remoteSize());
        }
        long t1 = System.nanoTime();
        log.start(dispatcher);
        LOG.info("Delivery log started (retained messages read, reader positioned) in {} ms",
                (System.nanoTime() - t1) / 1_000_000);
    }

    /** What the delivery log calls with this node's messages and retained changes. */
    public DeliveryListener listener() {
        return dispatcher;
    }

    // ---------------------------------------------------------------- publish path

    /**
     * The stages of an accepted PUBLISH (design steps 2-4): the readings record through {@code ingest}; the delivery
     * log when a subscription matches its topic; the retained topic when RETAIN is set. Completes with the worst
     * outcome of them all, never exceptionally; the publisher is acknowledged only when it is delivered.
     */
    public CompletionStage<Delivery> publish(Envelope readings, Message message, Ingest ingest) {
        return publish(() -> ingest.submit(readings), message);
    }

    /**
     * As {@link #publish(Envelope, Message, Ingest)}, with the readings record written by {@code readings} (for a
     * write of its own, such as QoS 2's exactly-once one); it is called once, on this thread.
     */
    public CompletionStage<Delivery> publish(java.util.function.Supplier<CompletionStage<Delivery>> readings,
                                             Message message) {
        List<Route> routes = index.route(message.topic(), message.publisherClientId(), message.qos(),
                this::isConnected, nodeId);
        boolean subscribed = !routes.isEmpty();
        if (!subscribed && !message.retain()) {
            return readings.get();
        }
        CompletionStage<Delivery> all = safe(readings.get());
        if (subscribed) {
            all = worst(all, safe(log.appendRoutes(message, routes)));
        }
        if (message.retain()) {
            if (retained.admits(message)) {
                all = worst(all, safe(log.retain(message)));
            } else {
                stats.count("retained_full");
                LOG.warn("Retained PUBLISH of '{}' to '{}' refused: delivery.max_retained_bytes ({}) reached"
                        + " [retained_full]", message.publisherClientId(), message.topic(), limits.maxRetainedBytes());
                all = worst(all, java.util.concurrent.CompletableFuture.completedFuture(
                        Delivery.rejected("retained messages full (delivery.max_retained_bytes)")));
            }
        }
        return all;
    }

    /** True when a PUBLISH to {@code topic} may need more than its readings record (a subscriber, or RETAIN). */
    public boolean wants(String topic, boolean retain) {
        return retain || index.anyMatch(topic);
    }

    private static CompletionStage<Delivery> safe(CompletionStage<Delivery> s) {
        return s.handle((d, err) -> err != null ? Delivery.retryable("failed: " + err)
                : d == null ? Delivery.retryable("no outcome") : d);
    }

    private static CompletionStage<Delivery> worst(CompletionStage<Delivery> a, CompletionStage<Delivery> b) {
        return a.thenCombine(b, (x, y) -> {
            Outcome o = x.outcome().merge(y.outcome());
            return o == x.outcome() ? x : y;
        });
    }

    // ---------------------------------------------------------------- sessions

    /**
     * A persistent session known at start-up: its subscriptions go into the index and it gets an (offline) queue,
     * so messages for it are kept until its client comes back.
     */
    public void restore(String clientId, Map<String, Integer> subscriptions, Map<String, Integer> subscriptionIds) {
        if (subscriptions.isEmpty()) {
            return;
        }
        moved.remove(clientId);
        queues.computeIfAbsent(clientId, id -> new SessionQueue(id, this, true));
        index.replaceClient(clientId, subscriptions, subscriptionIds);
    }

    /**
     * A session of this node has these subscriptions when its client connects (CONNACK written): when the index
     * holds it as another node's (its client was there last), or it has no queue yet (a session with subscriptions
     * made by another node), it becomes this node's, with a queue, as {@link #restore} makes it. Event loop.
     */
    public void adopt(String clientId, Map<String, Integer> subscriptions, Map<String, Integer> subscriptionIds) {
        if (subscriptions.isEmpty()) {
            index.removeRemote(clientId);
        } else if (!queues.containsKey(clientId) || index.remoteNode(clientId) != null) {
            String from = index.remoteNode(clientId);
            restore(clientId, subscriptions, subscriptionIds);
            SessionQueue q = queues.get(clientId);
            if (from != null && q != null && limits.handoverTimeoutMs() > 0) {
                recovery.cameFrom(clientId, from); // read from its partition if it does not hand over in time
                if (!q.hold()) { // until the old node's handover is done (docs/DELIVERY.md, "A session that moves")
                    recovery.cancel(clientId); // its marker came already
                } else {
                    recovery.checkStopped(clientId, from); // a node that stopped gracefully hands nothing over
                }
            }
        }
    }

    /**
     * As {@link #remoteSession(String, String, boolean, Map, Map)} for a session whose client is connected there.
     */
    public void remoteSession(String clientId, String node, Map<String, Integer> subscriptions,
                              Map<String, Integer> subscriptionIds) {
        remoteSession(clientId, node, true, subscriptions, subscriptionIds);
    }

    /**
     * Another node wrote the session of {@code clientId} (docs/DELIVERY.md, "Delivery across nodes"): its client is
     * connected to {@code node} ({@code connected}) or was last. Its subscriptions go into the index as that node's,
     * so messages published here that match them are appended for that node. A session of this node until now moved
     * there: its queue here ends, its queued and in-flight copies handed over to that node ({@link #movedAway}; when
     * the session has no subscription there, they are dropped), counted {@code delivery_session_moved}. A record naming this node is this node's own and changes nothing; one naming
     * no node (written by a node of an earlier version) cannot be routed: its entries go, counted
     * {@code delivery_remote_node_unknown}. Thread-safe (the sessions follower's thread).
     */
    public void remoteSession(String clientId, String node, boolean connected, Map<String, Integer> subscriptions,
                              Map<String, Integer> subscriptionIds) {
        if (node.equals(nodeId)) {
            return;
        }
        if (node.isEmpty()) {
            stats.count("delivery_remote_node_unknown");
            index.removeRemote(clientId);
            return;
        }
        recovery.cancel(clientId);
        synchronized (moves) {
            if (handoversClosed && queues.containsKey(clientId)) {
                leftToRecovery(clientId, node);
                return;
            }
            SessionQueue q = queues.remove(clientId);
            if (q != null) {
                if (subscriptions.isEmpty()) {
                    stats.count("delivery_session_moved"); // no subscription there: nothing to hand over
                } else {
                    movedAway(clientId, q, node);
                }
                q.end();
            }
            if (moved.takeEnded(clientId) && !subscriptions.isEmpty()
                    && !moved.add(clientId, node, subscriptions, clock.millis())) {
                stats.count("handover_not_forwarding"); // more sessions moved away at once than are tracked
            }
        }
        if (subscriptions.isEmpty()) {
            index.removeClient(clientId);
        } else {
            index.replaceRemote(clientId, node, connected, subscriptions, subscriptionIds);
        }
    }

    /**
     * The session of {@code clientId} on another node is gone (its tombstone): its entries leave the index. A session
     * of this node of the same id is left alone. Thread-safe.
     */
    public void remoteSessionGone(String clientId) {
        moved.remove(clientId);
        index.removeRemote(clientId);
    }

    /**
     * A client connected (CONNACK written): its session's queue is bound to {@code channel}. Copies left
     * unacknowledged by an earlier connection are resent first (DUP, or PUBREL after a PUBREC), then the queue in
     * order. {@code receiveMaximum}: the client's (MQTT 5), 0 for MQTT 3.1.1 ({@code max_inflight_per_session});
     * {@code maxPacketSize}: the client's, 0 for none; {@code topicAliases}: how many topic aliases may be used
     * towards the client (MQTT 5 Topic Alias Maximum, capped; 0: none); {@code permissions}: what the connection may read, every
     * copy checked as it is sent (null, or one without an ACL: everything). Event loop of {@code channel}.
     */
    public Outbound attach(Channel channel, String clientId, int level, boolean persistent, int receiveMaximum,
                           long maxPacketSize, int topicAliases, TopicPermissions permissions) {
        SessionQueue q = queues.computeIfAbsent(clientId, id -> new SessionQueue(id, this, persistent));
        int window = receiveMaximum > 0 ? receiveMaximum : limits.maxInflightPerSession();
        Outbound o = new Outbound(channel, q, this, level, window, maxPacketSize > 0 ? maxPacketSize : Long.MAX_VALUE,
                permissions == null || !permissions.restricts() ? null : permissions);
        o.useTopicAliases(topicAliases);
        q.attach(o, persistent);
        if (q.holding()) {
            channel.eventLoop().schedule(() -> holdTimedOut(clientId, q), limits.handoverTimeoutMs(),
                    java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        o.drain();
        return o;
    }

    /**
     * {@code delivery.handover_timeout_ms} passed since {@code q}'s client resumed it here from another node, and that
     * node's handover is not done (counted {@code handover_timeout}): this node recovers what that node held from its
     * partition ({@link Recovery}), the held copies going out after it; when there is nothing to recover from, they go
     * out now. Event loop.
     */
    private void holdTimedOut(String clientId, SessionQueue q) {
        if (!q.holding()) {
            return;
        }
        if (queues.get(clientId) == q && recovery.begin(clientId)) {
            stats.count("handover_timeout");
            return;
        }
        Outbound wake = q.releaseHeld(true);
        if (wake != null) {
            wake.wake();
        }
    }

    /** The subscriptions of {@code clientId} are now these (after a granted SUBSCRIBE or an UNSUBSCRIBE). */
    public void subscriptionsChanged(String clientId, Map<String, Integer> subscriptions,
                                     Map<String, Integer> subscriptionIds) {
        index.replaceClient(clientId, subscriptions, subscriptionIds);
    }

    /**
     * The session of {@code clientId} ended (clean start, expiry, a non-persistent session's close): its
     * subscriptions leave the index and every copy it held is finished. Entries the index holds of a session of
     * the same id on another node stay (they are that node's to end). A session that ends here because it moved to
     * another node (the sessions topic says its client is connected there now) hands what it held over to that node
     * ({@link #movedAway}), and its outbound QoS 2 record is left alone: the new node may have written its own under
     * the same key. Any thread.
     */
    public void end(String clientId) {
        io.sluice.mqtt.internal.SessionRegistry r = sessions;
        String at = r == null ? null : r.connectedNode(clientId);
        boolean moved = at != null && !at.isEmpty() && !at.equals(nodeId);
        if (moved) {
            synchronized (moves) {
                if (handoversClosed && queues.containsKey(clientId)) {
                    leftToRecovery(clientId, at);
                    return;
                }
                endHere(clientId, true, at);
            }
        } else {
            endHere(clientId, false, null);
        }
    }

    private void endHere(String clientId, boolean moved, String at) {
        index.removeLocal(clientId);
        recovery.cancel(clientId);
        SessionQueue q = queues.remove(clientId);
        if (q != null) {
            if (moved) {
                movedAway(clientId, q, at);
            }
            q.end();
        }
        if (!moved) {
            records.forget(clientId);
        }
    }

    /** A move read while stopping: not handed over; what the session holds here stays unfinished for its recovery. */
    private void leftToRecovery(String clientId, String node) {
        if (!leftToRecovery.add(clientId)) {
            return; // a later record of the same move (its subscriptions, its presence)
        }
        stats.count("handover_left_to_recovery");
        LOG.info("Session '{}' moved to node '{}' while this node stops: not handed over; that node recovers what it"
                + " held here from this node's partition", clientId, node);
    }

    private void movedAway(String clientId, SessionQueue q, String node) {
        handover.movedAway(clientId, q, node);
    }

    /** The handover of sessions that move between nodes. */
    Handover handover() {
        return handover;
    }

    Recovery recovery() {
        return recovery;
    }

    MovedSessions moved() {
        return moved;
    }

    io.sluice.mqtt.internal.SessionRegistry sessionsOrNull() {
        return sessions;
    }

    /** {@code clientId}'s queue, made (persistent, offline) when it has none. */
    SessionQueue queueOrNew(String clientId) {
        return queues.computeIfAbsent(clientId, id -> new SessionQueue(id, this, true));
    }

    /**
     * A graceful shutdown, after the connections closed and before the log closes: while a session that moved away
     * from this node is within its forwarding window (docs/DELIVERY.md, "The window while the move is learned"), the
     * node keeps reading its partition and forwarding what other nodes still route here for it; this waits until
     * every window has passed (sessions that move meanwhile, read from the sessions topic, are handed over and get
     * theirs), at most {@code capMillis}. From then on a move is no longer handed over: a handover now would have no
     * forwarding window, so the session's queue stays here unfinished, in this node's stored position, and its new
     * node recovers it (with what lagging nodes still write here) from this node's partition, counted
     * {@code handover_left_to_recovery}. Blocking; returns the sessions whose window was still open at the cap.
     */
    public int awaitForwarding(long capMillis) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(capMillis);
        int open = openOrClose();
        if (open == 0) {
            return 0;
        }
        LOG.info("Stopping: {} session(s) moved away from this node a moment ago; forwarding what other nodes still"
                + " send here for them until their delivery.handover_timeout_ms window has passed (at most {} ms)",
                open, capMillis);
        while ((open = openOrClose()) > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(20); // shutdown path only: polling the windows' ends
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (open > 0) {
            synchronized (moves) {
                handoversClosed = true;
            }
            LOG.warn("Stopping with {} session(s) still in their forwarding window: messages other nodes send here for"
                    + " them from now on wait in this node's partition", open);
        }
        return open;
    }

    /** True once a graceful stop has stopped handing moves over ({@link #awaitForwarding}). */
    boolean stopping() {
        synchronized (moves) {
            return handoversClosed;
        }
    }

    /** The sessions within their forwarding window; when none, no later move is handed over ({@link #moves}). */
    private int openOrClose() {
        synchronized (moves) {
            int open = moved.open(clock.millis());
            if (open == 0) {
                handoversClosed = true;
            }
            return open;
        }
    }

    /**
     * A graceful shutdown, after the connections closed: writes the outbound QoS 2 state of every persistent session
     * whose copies changed since it was last written (copies PUBLISHed and not yet PUBREC'd among them), so the next
     * start resends them with their packet ids. Blocks up to {@code timeoutMs}; returns the sessions written.
     */
    public int recordAtShutdown(long timeoutMs) {
        java.util.List<java.util.concurrent.CompletableFuture<Void>> writes = new java.util.ArrayList<>();
        for (SessionQueue q : queues.values()) {
            java.util.concurrent.CompletionStage<Void> w = q.recordAtShutdown();
            if (w != null) {
                writes.add(w.toCompletableFuture());
            }
        }
        if (writes.isEmpty()) {
            return 0;
        }
        try {
            java.util.concurrent.CompletableFuture.allOf(writes.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .get(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
            LOG.info("Outbound QoS 2 state of {} persistent session(s) written at shutdown", writes.size());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.warn("Outbound QoS 2 state of {} persistent session(s) not all written at shutdown: {}", writes.size(),
                    e.toString());
        }
        return writes.size();
    }

    /**
     * Sends the retained messages {@code filter} matches to {@code clientId} (after its SUBACK), RETAIN set, at
     * most at {@code grantedQos}. A new shared subscription gets none (MQTT 5 section 4.8.2).
     */
    public void serveRetained(String clientId, String filter, int grantedQos, int subscriptionId) {
        if (SharedFilter.isShared(filter)) {
            return;
        }
        SessionQueue q = queues.get(clientId);
        if (q == null) {
            return;
        }
        int[] ids = subscriptionId > 0 ? new int[] {subscriptionId} : SubscriptionIndex.NO_IDS;
        Outbound wake = null;
        for (Message m : retained.matching(filter)) {
            if (m.expiredAt(clock.millis())) {
                continue;
            }
            stats.count("retained_served");
            Outbound w = q.offer(new Copy(m, Positions.NONE, Math.min(m.qos(), grantedQos), true, ids));
            wake = w != null ? w : wake;
        }
        if (wake != null) {
            wake.wake();
        }
    }

    /** True when {@code clientId}'s session has a queue (it subscribed, or it is a restored persistent session). */
    public boolean hasQueue(String clientId) {
        return queues.containsKey(clientId);
    }

    SessionQueue queue(String clientId) {
        return queues.get(clientId);
    }

    boolean isConnected(String clientId) {
        SessionQueue q = queues.get(clientId);
        return q != null && q.connected();
    }

    /** Queued and in-flight copies of one session and the copies it dropped at a bound; null when it has none. */
    public QueueView view(String clientId) {
        SessionQueue q = queues.get(clientId);
        return q == null ? null : new QueueView(q.queued(), q.inflight(), q.droppedCount());
    }

    /** Copies queued (sent or not) across sessions, and their bytes. */
    public long queuedBytes() {
        return queuedBytes.get();
    }

    /** What a session holds on its way out. */
    public record QueueView(int queued, int inflight, long dropped) {
    }

    // ---------------------------------------------------------------- accounting

    boolean reserveBytes(int weight) {
        while (true) {
            long now = queuedBytes.get();
            if (now + weight > limits.maxQueuedBytes()) {
                return false;
            }
            if (queuedBytes.compareAndSet(now, now + weight)) {
                stats.deliveryQueued.incrementAndGet();
                return true;
            }
        }
    }

    /** A copy no longer holds queued bytes (it is finished, or handed over). */
    private void release(Copy c) {
        if (c.reserved) {
            c.reserved = false;
            queuedBytes.addAndGet(-c.weight);
            stats.deliveryQueued.decrementAndGet();
        }
    }

    /** A copy reached its subscriber: acknowledged (QoS 1 PUBACK, QoS 2 PUBCOMP), or written at QoS 0. */
    void completed(String clientId, Copy c) {
        stats.deliveriesCompleted.increment();
        release(c);
        receipts.settle(clientId, c.message, c.qos, c.position,
                c.qos == 0 ? Receipt.Outcome.SENT : Receipt.Outcome.ACKED, null);
    }

    /** A copy is dropped for {@code reason}: counted, one debug line, finished. */
    void dropped(String clientId, Copy c, String reason) {
        stats.count(reason);
        LOG.debug("Message to '{}' on '{}' not delivered to '{}' [{}]", c.message.topic(), nodeId, clientId, reason);
        release(c);
        receipts.settle(clientId, c.message, c.qos, c.position, CopyReceipts.outcomeOf(reason), reason);
    }

    /**
     * A copy is finished without a count of its own ({@code reason}: its session ended, its client refused it with
     * a PUBREC error, or it expired before it was dispatched, counted once per message).
     */
    void ended(String clientId, Copy c, String reason) {
        release(c);
        receipts.settle(clientId, c.message, c.qos, c.position, CopyReceipts.outcomeOf(reason), reason);
    }

    /** A graceful shutdown: waits up to {@code timeoutMs} for the receipts taken so far to be durable. */
    public void awaitReceipts(long timeoutMs) {
        receipts.awaitWritten(timeoutMs);
    }

    /** True when receipts are written (docs/DELIVERY.md, "Downlink receipts"). */
    boolean receiptsOn() {
        return receipts.on();
    }

    /** A copy was handed over to the node its session moved to: finished here, its receipt is that node's. */
    void handedOff(Copy c) {
        release(c);
        positions.finished(c.position);
    }

    /** A message for a session that moved away was forwarded to its new node ({@code ok}) or could not be. */
    void forwarded(String clientId, Message m, int qos, long position, boolean ok) {
        if (ok) {
            positions.finished(position);
        } else {
            receipts.settle(clientId, m, qos, position, Receipt.Outcome.DROPPED, "handover_failed");
        }
    }
}
