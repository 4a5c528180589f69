package io.sluice.mqtt.internal.outbound;

import io.sluice.ingest.SessionStore;
import io.sluice.mqtt.MqttStats;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the persistent sessions' outbound QoS 2 state ({@link InflightRecord}) is kept: the sessions topic, through
 * the {@link SessionStore}. Without a store (delivery started without sessions, as in some tests) nothing is kept
 * and QoS 2 flows go on as before: PUBREL at once.
 *
 * <p>A failed write is counted ({@code delivery_qos2_record_failed}) and logged once until a write succeeds again.
 *
 * <p>Threading: thread-safe; {@link #write} and {@link #forget} never block (the store's contract).
 */
final class InflightRecords {
    private static final Logger LOG = LoggerFactory.getLogger(InflightRecords.class);

    private final SessionStore store;
    private final MqttStats stats;
    /** Client ids whose record may be in the store (loaded, or written since): a session's end deletes it. */
    private final Set<String> stored = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean failing = new AtomicBoolean();

    InflightRecords(SessionStore store, MqttStats stats) {
        this.store = store;
        this.stats = stats;
    }

    /** No store: nothing is kept. */
    static InflightRecords none(MqttStats stats) {
        return new InflightRecords(null, stats);
    }

    boolean enabled() {
        return store != null;
    }

    /** The records read at start-up, by client id (their keys already mapped back). */
    void loaded(Map<String, InflightRecord> records) {
        stored.addAll(records.keySet());
    }

    /** Stores {@code clientId}'s state; completes once durable, exceptionally when the write failed. */
    CompletionStage<Void> write(String clientId, InflightRecord r) {
        stored.add(clientId);
        CompletionStage<Void> w;
        try {
            w = store.put(InflightRecord.key(clientId), r.encode());
        } catch (RuntimeException e) {
            w = CompletableFuture.failedFuture(e);
        }
        return w.whenComplete((v, err) -> {
            if (err == null) {
                if (failing.compareAndSet(true, false)) {
                    LOG.info("Outbound QoS 2 state is written to the sessions topic again");
                }
                return;
            }
            stats.count("delivery_qos2_record_failed");
            if (failing.compareAndSet(false, true)) {
                LOG.warn("Could not write the outbound QoS 2 state of '{}' to the sessions topic; its PUBREL or new"
                        + " QoS 2 PUBLISH is not sent and the connection closes, so the flow starts again on the next"
                        + " one [delivery_qos2_record_failed]: {} (logged once until a write succeeds)", clientId,
                        err.toString());
            }
        });
    }

    /** {@code clientId}'s session ended: its record, if it may have one, is deleted. */
    void forget(String clientId) {
        if (store != null && stored.remove(clientId)) {
            store.remove(InflightRecord.key(clientId)).exceptionally(err -> {
                stats.count("delivery_qos2_record_failed");
                LOG.debug("Could not delete the outbound QoS 2 state of '{}': {}", clientId, err.toString());
                return null;
            });
        }
    }
}
