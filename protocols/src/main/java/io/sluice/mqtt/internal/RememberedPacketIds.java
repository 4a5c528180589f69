package io.sluice.mqtt.internal;

import io.sluice.ingest.SessionStore;
import io.sluice.mqtt.MqttStats;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The QoS 2 packet ids persistent sessions hold between PUBREC and PUBREL, as the sessions topic has them: one record
 * per id ({@link SessionCodec#exactlyOnceKey}), written in the same Kafka transaction as its reading and deleted on
 * PUBREL or when the session ends. One record per id, rather than a list inside the session record, so that a
 * transaction and a PUBREL's tombstone each touch only their own id and no write can carry a stale copy of the others.
 *
 * <p>Bound: a connection holds at most Receive Maximum ids ({@code mqtt.max_inflight_messages}), and so does the
 * session it leaves behind.
 *
 * <p>Threading: any thread (connections on any event loop, completions on Kafka's threads).
 */
final class RememberedPacketIds {
    private static final Logger LOG = LoggerFactory.getLogger(RememberedPacketIds.class);

    private final SessionStore store;
    private final MqttStats stats;
    private final Map<String, Set<Integer>> remembered = new ConcurrentHashMap<>();
    /** The latest QoS 2 write per client id, until it completes; its outcome is known once this completes. */
    private final Map<String, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();

    RememberedPacketIds(SessionStore store, MqttStats stats) {
        this.store = store;
        this.stats = stats;
    }

    /** Remembered QoS 2 packet ids of the loaded sessions; those of sessions that no longer exist are removed. */
    int load(Map<String, byte[]> loaded, java.util.function.Predicate<String> sessionExists) {
        int count = 0;
        for (Map.Entry<String, byte[]> e : loaded.entrySet()) {
            if (!SessionCodec.isExactlyOnceKey(e.getKey())
                    || io.sluice.mqtt.internal.outbound.InflightRecord.isKey(e.getKey())
                    || StoredWill.isKey(e.getKey())) {
                continue; // a session, an outbound QoS 2 record (delivery's) or a delayed will
            }
            try {
                SessionCodec.RememberedId r = SessionCodec.decodeExactlyOnce(e.getKey(), e.getValue());
                if (sessionExists.test(r.clientId())) {
                    remembered.computeIfAbsent(r.clientId(), k -> ConcurrentHashMap.newKeySet()).add(r.packetId());
                    count++;
                } else {
                    store.remove(e.getKey()); // its session ended or expired
                }
            } catch (IllegalArgumentException ex) {
                stats.count("session_undecodable");
                LOG.warn("Skipping stored QoS 2 packet id under key '{}': {}", e.getKey().replace('\u0000', '/'),
                        ex.getMessage());
            }
        }
        return count;
    }

    /**
     * Writes a QoS 2 reading of a persistent session and the record remembering its packet id in one transaction;
     * once delivered, the id is remembered here too until {@link #release}. Any thread; never blocks.
     */
    CompletionStage<io.sluice.ingest.Delivery> write(io.sluice.ingest.ExactlyOnce writer,
                                                     io.sluice.ingest.Envelope e, int packetId) {
        String id = e.clientId();
        CompletableFuture<io.sluice.ingest.Delivery> result = writer.submit(e, SessionCodec.exactlyOnceKey(id, packetId),
                SessionCodec.encodeExactlyOnce(packetId)).toCompletableFuture().thenApply(d -> {
                    if (d.delivered()) {
                        remembered.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(packetId);
                    }
                    return d;
                });
        CompletableFuture<Void> done = result.handle((d, err) -> null);
        tails.put(id, done);
        done.whenComplete((v, err) -> tails.remove(id, done));
        return result;
    }

    /**
     * Completes once every QoS 2 write of {@code clientId} made so far has its outcome (writes complete in the order
     * they were made), so a connection taking the session over sees every packet id its predecessor wrote.
     */
    CompletionStage<Void> settled(String clientId) {
        CompletableFuture<Void> tail = tails.get(clientId);
        return tail == null ? CompletableFuture.completedFuture(null) : tail;
    }

    /** The QoS 2 packet ids of a persistent session durably remembered and not released (a copy). */
    Set<Integer> ids(String clientId) {
        Set<Integer> ids = remembered.get(clientId);
        return ids == null ? Set.of() : Set.copyOf(ids);
    }

    /**
     * A PUBREL released {@code packetId}: its record is deleted (a tombstone); completes once that is durable, and
     * at once when the id was never durably remembered (a session without expiry).
     */
    CompletionStage<Void> release(String clientId, int packetId) {
        Set<Integer> ids = remembered.get(clientId);
        if (ids == null || !ids.contains(packetId)) {
            return CompletableFuture.completedFuture(null);
        }
        return store.remove(SessionCodec.exactlyOnceKey(clientId, packetId)).thenRun(() -> ids.remove(packetId));
    }

    /** Once the QoS 2 writes of {@code clientId} have settled, deletes the records of its remembered packet ids. */
    CompletionStage<Void> forget(String clientId) {
        return settled(clientId).thenCompose(v -> {
            Set<Integer> ids = remembered.remove(clientId);
            CompletableFuture<?>[] writes = ids == null ? new CompletableFuture<?>[0] : ids.stream()
                    .map(p -> store.remove(SessionCodec.exactlyOnceKey(clientId, p)).toCompletableFuture())
                    .toArray(CompletableFuture<?>[]::new);
            return CompletableFuture.allOf(writes);
        });
    }

    /** True when {@code clientId} has ids remembered or a write under way. */
    boolean holds(String clientId) {
        return remembered.containsKey(clientId) || tails.containsKey(clientId);
    }
}
