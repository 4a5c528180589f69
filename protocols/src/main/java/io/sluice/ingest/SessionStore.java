package io.sluice.ingest;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Durable key/value storage for protocol session state (one opaque value per client id). Implemented outside
 * {@code protocols}; the daemon wires it to a compacted Kafka topic so any node can resume a session, and every node
 * follows what the others write ({@link #follow}).
 *
 * <p>Threading: {@link #loadAll} blocks and is called once at start-up, before any listener opens.
 * {@link #put} and {@link #remove} never block; their stages complete when the change is durable (or fail
 * exceptionally), on an arbitrary thread. {@link #follow} never blocks; its listener is called on one follower
 * thread of the store's own.
 */
public interface SessionStore {
    /** Every stored session, latest value per client id; removed ones absent. Blocks until read to the end. */
    Map<String, byte[]> loadAll();

    /** Stores the state for a client id; completes once it is durable. */
    CompletionStage<Void> put(String clientId, byte[] state);

    /**
     * As {@link #put}, for a write nobody waits for (a connection's presence record): the store may refuse it at once
     * (the stage fails) when its room for waiting writes is half used, keeping the rest for writes clients wait for.
     */
    default CompletionStage<Void> offer(String clientId, byte[] state) {
        return put(clientId, state);
    }

    /** Deletes the state for a client id (a tombstone); completes once it is durable. */
    CompletionStage<Void> remove(String clientId);

    /**
     * Hands every record written to the store after what {@link #loadAll} read (by any node, this one included) to
     * {@code listener}, in the store's order per key, on one thread of the store's, until the store closes. Call it
     * once, after {@link #loadAll}. A store that no other node shares (the default) hands nothing.
     */
    default void follow(Listener listener) {
    }

    /**
     * Completes once the {@link #follow} listener has been handed every record that was in the store when this was
     * called (written by any node), so a session read after it includes every write made before. May fail (the store
     * cannot tell where it ends now); callers bound their wait. At once for a store not followed (the default).
     */
    default CompletionStage<Void> caughtUp() {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    /** What a {@link #follow}ing node is told of each record. */
    @FunctionalInterface
    interface Listener {
        /**
         * One record, in the store's order per key. Called on the store's follower thread: it must not block for
         * long (the next records wait); whatever it throws is logged and the record skipped.
         *
         * @param key    the record's key (a client id, or another record of a session)
         * @param value  the stored value, or null for a removal
         * @param writer the node that wrote it, "" when the record does not say
         */
        void onRecord(String key, byte[] value, String writer);
    }
}
