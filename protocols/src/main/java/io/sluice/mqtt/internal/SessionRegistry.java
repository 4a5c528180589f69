package io.sluice.mqtt.internal;

import io.sluice.ingest.SessionStore;
import io.sluice.mqtt.MqttStats;
import io.sluice.mqtt.SessionLimits;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every persistent session this node knows (as last confirmed durable in the {@link SessionStore}, by this node or,
 * once it {@link #follow}s the store, by any node of the fleet) and the live connection of each client id, for
 * takeover. Thread-safe: connections on any event loop call it, the store's follower thread applies what other nodes
 * write ({@link FleetSessions}).
 *
 * <p>The in-memory map only ever holds what the store has acknowledged, so a session-present answer given from
 * it survives a crash of this process. When writes for one client id overlap, only the latest one requested is
 * applied to it (the store may coalesce them, and completions may arrive in any order).
 *
 * <p>Bounds ({@link SessionLimits}): persistent sessions stored or being created are counted against
 * {@code maxPersistentSessions} ({@link #admitNew}); the other limits are applied by the connection.
 */
public final class SessionRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(SessionRegistry.class);

    private final SessionStore store;
    private final Clock clock;
    private final MqttStats stats;
    private final SessionLimits limits;
    private final FleetSessions fleet;
    private final Object[] writeLocks = new Object[64];
    private final Map<String, SessionState> durable = new ConcurrentHashMap<>();
    /** The latest state asked of the store per client id, until its write completes. */
    private final Map<String, SessionState> requested = new ConcurrentHashMap<>();
    /** Client ids whose new persistent session is being written: they count against the cap already. */
    private final Set<String> creating = ConcurrentHashMap.newKeySet();
    private final Map<String, Connection> live = new ConcurrentHashMap<>();
    /** Told the client id of every session that ends here (delivery drops its queue and subscriptions). */
    private volatile java.util.function.Consumer<String> onEnded = id -> { };
    /** QoS 2 packet ids of persistent sessions, durable with their reading and not yet released by a PUBREL. */
    private final RememberedPacketIds remembered;
    private final DelayedWills delayedWills;
    /** Outbound QoS 2 state of the loaded persistent sessions, handed once to delivery at its start. */
    private Map<String, io.sluice.mqtt.internal.outbound.InflightRecord> outboundRecords = Map.of();
    /** Delayed wills read by {@link #load}, re-armed once by {@link #rearmWills}. */
    private Map<String, StoredWill> storedWills = Map.of();

    public SessionRegistry(SessionStore store, Clock clock, MqttStats stats) {
        this(store, clock, stats, SessionLimits.defaults());
    }

    public SessionRegistry(SessionStore store, Clock clock, MqttStats stats, SessionLimits limits) {
        this(store, clock, stats, limits, "");
    }

    /** {@code nodeId}: this node's {@code node_id}, written into every session it stores ("" on a single node). */
    public SessionRegistry(SessionStore store, Clock clock, MqttStats stats, SessionLimits limits, String nodeId) {
        this.fleet = new FleetSessions(this, nodeId == null ? "" : nodeId, stats);
        java.util.Arrays.setAll(writeLocks, i -> new Object());
        this.store = store;
        this.clock = clock;
        this.stats = stats;
        this.limits = limits;
        this.delayedWills = new DelayedWills(stats, store);
        this.remembered = new RememberedPacketIds(store, stats);
    }

    /** MQTT 5 wills waiting out their delay. */
    DelayedWills delayedWills() {
        return delayedWills;
    }

    public SessionLimits limits() {
        return limits;
    }

    /** Reads every stored session (blocking); undecodable ones are logged and skipped, expired ones removed. */
    public int load() {
        long now = clock.millis();
        int expired = 0;
        Map<String, byte[]> loaded = store.loadAll();
        long decodeStart = System.nanoTime();
        for (Map.Entry<String, byte[]> e : loaded.entrySet()) {
            if (SessionCodec.isExactlyOnceKey(e.getKey())) {
                continue; // after the sessions, which they belong to
            }
            try {
                SessionState s = SessionCodec.decode(e.getValue());
                if (fleet.connectedElsewhere(s)) {
                    // connected on another node now: it stays so until that node writes otherwise
                    if (s.expirySeconds() == 0) {
                        fleet.presence().put(e.getKey(), s);
                    } else {
                        durable.put(e.getKey(), s);
                    }
                    continue;
                }
                if (s.disconnectedAtMillis() == 0) {
                    // stored while its client was connected here (a crash, or a disconnect write lost in an outage):
                    // no client is connected to a node starting up, so its expiry runs from now instead of never
                    s = s.disconnected(now, s.expirySeconds());
                }
                if (s.expiredAt(now) && !fleet.ours(s.node())) {
                    continue; // another node's to remove
                }
                if (s.expiredAt(now)) {
                    expired++;
                    remove(e.getKey());
                } else {
                    durable.put(e.getKey(), s);
                }
            } catch (IllegalArgumentException ex) {
                stats.count("session_undecodable");
                LOG.warn("Skipping stored session of '{}': {}", e.getKey(), ex.getMessage());
            }
        }
        int ids = remembered.load(loaded, durable::containsKey);
        outboundRecords = loadOutbound(loaded);
        storedWills = loadWills(loaded);
        LOG.info("Loaded {} persistent session(s) ({} QoS 2 packet id(s) awaiting PUBREL), removed {} expired;"
                + " decoded in {} ms", durable.size(), ids, expired, (System.nanoTime() - decodeStart) / 1_000_000);
        if (durable.size() >= limits.maxPersistentSessions()) {
            LOG.warn("{} persistent sessions stored, mqtt.max_persistent_sessions is {}: they can all resume, but"
                    + " CONNECTs creating new ones are refused until sessions expire", durable.size(),
                    limits.maxPersistentSessions());
        }
        return durable.size();
    }

    /** Outbound QoS 2 records of loaded sessions; those of sessions that no longer exist are removed. */
    private Map<String, io.sluice.mqtt.internal.outbound.InflightRecord> loadOutbound(Map<String, byte[]> loaded) {
        Map<String, io.sluice.mqtt.internal.outbound.InflightRecord> records = new java.util.HashMap<>();
        for (Map.Entry<String, byte[]> e : loaded.entrySet()) {
            if (!io.sluice.mqtt.internal.outbound.InflightRecord.isKey(e.getKey())) {
                continue;
            }
            String id = io.sluice.mqtt.internal.outbound.InflightRecord.clientIdOf(e.getKey());
            if (!durable.containsKey(id)) {
                store.remove(e.getKey()); // its session ended or expired
                continue;
            }
            try {
                records.put(id, io.sluice.mqtt.internal.outbound.InflightRecord.decode(e.getValue()));
            } catch (IllegalArgumentException ex) {
                stats.count("session_undecodable");
                LOG.warn("Skipping the stored outbound QoS 2 state of '{}': {}", id, ex.getMessage());
            }
        }
        return records;
    }

    /** Delayed wills waiting when the node stopped (their session may have ended since: then they are due now). */
    private Map<String, StoredWill> loadWills(Map<String, byte[]> loaded) {
        Map<String, StoredWill> wills = new java.util.HashMap<>();
        for (Map.Entry<String, byte[]> e : loaded.entrySet()) {
            if (StoredWill.isKey(e.getKey())) {
                try {
                    wills.put(StoredWill.clientIdOf(e.getKey()), StoredWill.decode(e.getValue()));
                } catch (IllegalArgumentException ex) {
                    stats.count("session_undecodable");
                    LOG.warn("Skipping the stored delayed will of '{}': {}", StoredWill.clientIdOf(e.getKey()),
                            ex.getMessage());
                }
            }
        }
        return wills;
    }

    /**
     * Re-arms the delayed wills {@link #load} read (see {@link DelayedWills#rearm}), publishing them through
     * {@code ctx} on {@code loops}. Once, after {@link #load} and before the listeners bind. Only the wills this node
     * left (or of unknown node) are re-armed; one whose session is connected on another node now is cancelled (its
     * client resumed the session there within the delay) and its record deleted.
     */
    public void rearmWills(Context ctx, io.netty.util.concurrent.EventExecutorGroup loops) {
        Map<String, StoredWill> wills = new java.util.HashMap<>();
        int resumedElsewhere = 0;
        for (Map.Entry<String, StoredWill> e : storedWills.entrySet()) {
            String id = e.getKey();
            if (!fleet.ours(e.getValue().node())) {
                continue; // another node's connection left it: that node holds it, or re-arms it at its own start
            }
            if (fleet.connectedElsewhere(durable.get(id))) {
                // the client resumed its session on another node within the delay: the will is cancelled
                resumedElsewhere++;
                stats.count("will_cancelled_by_reconnect");
                store.remove(StoredWill.key(id));
                continue;
            }
            wills.put(id, e.getValue());
        }
        storedWills = Map.of();
        if (resumedElsewhere > 0) {
            LOG.info("{} stored delayed will(s) cancelled: their clients resumed their sessions on another node",
                    resumedElsewhere);
        }
        delayedWills.rearm(wills, loops, clock, durable::containsKey,
                (id, w) -> WillPublisher.publish(ctx, id, w));
    }

    /**
     * The outbound QoS 2 records of the sessions {@link #load} read (see
     * {@link io.sluice.mqtt.internal.outbound.InflightRecord}), by client id.
     */
    public Map<String, io.sluice.mqtt.internal.outbound.InflightRecord> outboundRecords() {
        return outboundRecords;
    }

    /** The store sessions are kept in (delivery keeps its outbound QoS 2 state there too). */
    public SessionStore store() {
        return store;
    }

    /**
     * Writes a QoS 2 reading of a persistent session and the record remembering its packet id in one transaction;
     * see {@link RememberedPacketIds#write}. Any thread; never blocks.
     */
    CompletionStage<io.sluice.ingest.Delivery> writeExactlyOnce(io.sluice.ingest.ExactlyOnce writer,
                                                                io.sluice.ingest.Envelope e, int packetId) {
        return remembered.write(writer, e, packetId);
    }

    /** Completes once every QoS 2 write of {@code clientId} made so far has its outcome. */
    CompletionStage<Void> exactlyOnceSettled(String clientId) {
        return remembered.settled(clientId);
    }

    /** The QoS 2 packet ids of a persistent session durably remembered and not released (a copy). */
    Set<Integer> rememberedIds(String clientId) {
        return remembered.ids(clientId);
    }

    /** A PUBREL released {@code packetId}; completes once that is durable (at once when it was never stored). */
    CompletionStage<Void> release(String clientId, int packetId) {
        return remembered.release(clientId, packetId);
    }

    /** The durable, unexpired session of a client id, or null. */
    SessionState get(String clientId) {
        SessionState s = durable.get(clientId);
        if (s != null && s.expiredAt(clock.millis())) {
            if (fleet.ours(s.node())) {
                discard(clientId);
            } else {
                durable.remove(clientId, s); // its own node removes it from the log
            }
            return null;
        }
        return s;
    }

    /**
     * Admits the creation of a persistent session for {@code clientId}: true when it already has one (stored or
     * being written) or the count of stored and being-created sessions is below {@code maxPersistentSessions},
     * which it then counts. Any thread; a short lock keeps concurrent CONNECTs from overshooting the cap.
     */
    synchronized boolean admitNew(String clientId) {
        if (durable.containsKey(clientId) || creating.contains(clientId)) {
            return true;
        }
        if ((long) durable.size() + creating.size() >= limits.maxPersistentSessions()) {
            return false;
        }
        creating.add(clientId);
        return true;
    }

    /** The creation admitted by {@link #admitNew} ended (stored, failed or never attempted): stop counting it. */
    void settled(String clientId) {
        creating.remove(clientId);
    }

    /**
     * Stores a session; completes when durable, after which {@link #get} returns it (unless a later write for the
     * same client id was requested meanwhile: then that one decides what {@link #get} returns).
     */
    CompletionStage<Void> store(SessionState s) {
        String id = s.clientId();
        requested.put(id, s);
        return put(id, s).whenComplete((v, err) -> {
            if (requested.remove(id, s) && (err == null || disconnectOf(durable.get(id), s))) {
                // a failed disconnect write changes nothing durable that matters here (the timestamps aside), but
                // remembering it lets the session expire instead of staying "connected" in memory for ever
                durable.put(id, s);
            }
            creating.remove(id);
        });
    }

    /** Writes {@code s} to the store, marked as this node's pending write until the follower reads it back. */
    private CompletionStage<Void> put(String id, SessionState s) {
        return put(id, s, false);
    }

    /** {@code offer}: a write nobody waits for, which the store may refuse when its queue is half full. */
    private CompletionStage<Void> put(String id, SessionState s, boolean offer) {
        byte[] value = SessionCodec.encode(s);
        Object marker;
        CompletionStage<Void> write;
        synchronized (writeLock(id)) { // the marker names the write that goes last into the store's queue
            marker = fleet.wrote(id, s);
            write = offer ? store.offer(id, value) : store.put(id, value);
        }
        return write.whenComplete((v, err) -> {
            if (err != null) {
                fleet.writeFailed(id, marker);
            }
        });
    }

    /** Writes a tombstone for {@code id}, marked as this node's pending write until the follower reads it back. */
    private CompletionStage<Void> remove(String id) {
        Object marker;
        CompletionStage<Void> write;
        synchronized (writeLock(id)) {
            marker = fleet.wrote(id, null);
            write = store.remove(id);
        }
        return write.whenComplete((v, err) -> {
            if (err != null) {
                fleet.writeFailed(id, marker);
            }
        });
    }

    /** One of a few locks, by client id: a write's marker and its place in the store's queue are taken together. */
    private Object writeLock(String id) {
        return writeLocks[(id.hashCode() & 0x7fff_ffff) % writeLocks.length];
    }

    private static boolean disconnectOf(SessionState current, SessionState s) {
        return current != null && s.disconnectedAtMillis() > 0 && s.sameDurableContent(current);
    }

    /**
     * A stage that fails with a {@link java.util.concurrent.TimeoutException} when {@code write} is not done within
     * {@code storeTimeoutMs}; the write itself goes on. For callers that keep a client waiting on a write.
     */
    CompletionStage<Void> awaitable(CompletionStage<Void> write) {
        return write.toCompletableFuture().copy().orTimeout(limits.storeTimeoutMs(), TimeUnit.MILLISECONDS);
    }

    /**
     * True when a CONNECT that may resume a session should first {@link #caughtUp catch up}: this node follows the
     * sessions of other nodes, has seen one, and {@code mqtt.session_catch_up_timeout_ms} is not 0.
     */
    boolean needsCatchUp() {
        return limits.catchUpTimeoutMs() > 0 && fleet.othersSeen();
    }

    /**
     * Completes once this node has applied every session record written before now (by any node), so a session
     * read after it includes what another node wrote a moment ago (a SUBSCRIBE there just before the client came
     * here), or after {@code mqtt.session_catch_up_timeout_ms} (event {@code session_catch_up_timeout}), or when the
     * store cannot tell (event {@code session_catch_up_failed}): then what this node knows stands. Never fails; any
     * thread.
     */
    CompletionStage<Void> caughtUp() {
        return store.caughtUp().toCompletableFuture().orTimeout(limits.catchUpTimeoutMs(), TimeUnit.MILLISECONDS)
                .handle((v, err) -> {
                    if (err != null) {
                        Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause()
                                != null ? err.getCause() : err;
                        stats.count(cause instanceof java.util.concurrent.TimeoutException
                                ? "session_catch_up_timeout" : "session_catch_up_failed");
                    }
                    return null;
                });
    }

    /** Calls {@code listener} with the client id of each session that ends (discarded or expired); any thread. */
    public void onEnded(java.util.function.Consumer<String> listener) {
        this.onEnded = listener == null ? id -> { } : listener;
    }

    /**
     * A session of this node moved to another node (its connection here was taken over from there): its state here
     * (subscriptions, queue) ends, without writing anything to the store; the new owner's record stands.
     */
    void endedHere(String clientId) {
        requested.remove(clientId);
        creating.remove(clientId);
        onEnded.accept(clientId);
    }

    /**
     * The connection of a persistent session closed because the session moved to another node: the writes of that
     * connection are forgotten here; its subscriptions and queue are left to the sessions follower, which moves them
     * to the new node with what the queue holds (docs/DELIVERY.md, "A session that moves to another node").
     */
    void movedAway(String clientId) {
        requested.remove(clientId);
        creating.remove(clientId);
    }

    /** Deletes a session; completes when the tombstone is durable. */
    CompletionStage<Void> discard(String clientId) {
        onEnded.accept(clientId);
        // a write still on its way must not bring the session back: it is not applied here, and a tombstone follows it
        boolean writing = requested.remove(clientId) != null;
        creating.remove(clientId);
        boolean exactlyOnce = remembered.holds(clientId);
        boolean present = fleet.presence().remove(clientId) != null;
        if (durable.remove(clientId) == null && !writing && !present) {
            return exactlyOnce ? remembered.forget(clientId) : CompletableFuture.completedFuture(null);
        }
        CompletionStage<Void> tombstone = remove(clientId);
        return exactlyOnce ? tombstone.thenCombine(remembered.forget(clientId), (a, b) -> null) : tombstone;
    }

    /**
     * Forgets a session whose creation was given up (its CONNECT was refused after the write started): a tombstone
     * is written even though the session never became durable here, since its write may still land.
     */
    CompletionStage<Void> abandon(String clientId) {
        requested.remove(clientId);
        durable.remove(clientId);
        creating.remove(clientId);
        return remove(clientId);
    }

    /** Makes {@code c} the live connection of its client id; returns the one it replaces, or null. */
    Connection register(String clientId, Connection c) {
        // its record is written after this: anything read from now on comes before it in the log
        synchronized (writeLock(clientId)) {
            fleet.wrote(clientId, c);
        }
        return live.put(clientId, c);
    }

    /** {@code c} closed: if no write of it followed its {@link #register} (a refused CONNECT), nothing is pending. */
    void closed(String clientId, Connection c) {
        fleet.writeFailed(clientId, c);
    }

    /** Removes {@code c} if it is still the live connection of its id (false when it was taken over). */
    boolean unregister(String clientId, Connection c) {
        return live.remove(clientId, c);
    }

    Connection live(String clientId) {
        return live.get(clientId);
    }

    /** Closes the live connection of a client id (an operator's kick); false when it is not connected here. */
    public boolean kick(String clientId) {
        Connection c = live.get(clientId);
        if (c == null) {
            return false;
        }
        c.kick();
        return true;
    }

    /** Client ids connected to this node now. */
    public java.util.Set<String> liveClientIds() {
        return java.util.Set.copyOf(live.keySet());
    }

    /** Removes sessions whose clients stayed away longer than their expiry. Called periodically. */
    public int sweepExpired() {
        long now = clock.millis();
        int removed = 0;
        for (Map.Entry<String, SessionState> e : durable.entrySet()) {
            if (e.getValue().expiredAt(now) && !live.containsKey(e.getKey())) {
                if (!fleet.ours(e.getValue().node())) {
                    durable.remove(e.getKey(), e.getValue()); // its node writes the tombstone; forgotten here
                    continue;
                }
                discard(e.getKey());
                stats.count("session_expired");
                removed++;
            }
        }
        return removed;
    }

    // ---------------------------------------------------------------- the fleet: what other nodes write

    /** This node's {@code node_id} ("" when it has none). */
    public String nodeId() {
        return fleet.nodeId();
    }

    FleetSessions fleet() {
        return fleet;
    }

    /**
     * Follows the store live after {@link #load}: what other nodes write changes this registry from then on (see
     * {@link FleetSessions}). Call once; never blocks.
     */
    public void follow() {
        fleet.startFollowing();
        store.follow(fleet::onRecord);
    }

    /**
     * Calls {@code listener} with each change another node made that this registry applied: the client id and its
     * session as now known (null: the session is gone). Called on the store's follower thread, in log order per
     * client id; it must not block.
     */
    public void onRemoteChange(java.util.function.BiConsumer<String, SessionState> listener) {
        fleet.onRemoteChange(listener);
    }

    /**
     * Writes the presence record of a connection without a persistent session ({@code s}: expiry 0, connected, this
     * node), in the background: it makes the connection visible to the fleet. Its failure is counted
     * ({@code session_presence_failed}) and changes nothing else. Any thread; never blocks.
     */
    void writePresence(SessionState s) {
        fleet.presence().put(s.clientId(), s);
        put(s.clientId(), s, true).whenComplete((v, err) -> {
            if (err != null) {
                stats.count("session_presence_failed");
                LOG.debug("Presence record of '{}' not written: {}", s.clientId(), err.toString());
            }
        });
    }

    /**
     * The node {@code clientId} is connected to as this node knows it (its own connections, and the sessions log for
     * other nodes), or null when it is not connected anywhere this node knows of. Any thread.
     */
    public String connectedNode(String clientId) {
        return fleet.connectedNode(clientId);
    }

    /** True when the sessions log says {@code clientId} is connected on another node now. */
    boolean connectedElsewhere(String clientId) {
        return fleet.connectedElsewhere(clientId);
    }

    /** The follower read back a record this node wrote: a persistent write it completes counts as durable now. */
    void ownRecordRead(String id, SessionState s) {
        if (s != null && requested.remove(id, s)) {
            durable.put(id, s);
            creating.remove(id);
        }
    }

    /**
     * The fleet as the sessions topic tells it ({@link FleetSessions#view}): for status and scrapes, not for a hot
     * path. Any thread.
     */
    public io.sluice.mqtt.FleetView fleetView() {
        return fleet.view();
    }

    /** What this node knows durable, by client id: the map itself, for {@link FleetSessions} to apply records to. */
    Map<String, SessionState> durableMap() {
        return durable;
    }

    /** Tells delivery that a session's state here ends (its subscriptions and queue). */
    void ended(String clientId) {
        onEnded.accept(clientId);
    }

    public int sessionCount() {
        return durable.size();
    }

    public int liveCount() {
        return live.size();
    }

    /** Client ids with a durable session, for admin listings. */
    public Map<String, SessionState> sessions() {
        return Map.copyOf(durable);
    }
}
