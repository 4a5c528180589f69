package io.sluice.ingest;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Durable key/value storage for protocol session state (one opaque value per client id). Implemented outside
 * {@code protocols}; the daemon wires it to a compacted Kafka topic so any node can resume a session.
 *
 * <p>Threading: {@link #loadAll} blocks and is called once at start-up, before any listener opens.
 * {@link #put} and {@link #remove} never block; their stages complete when the change is durable (or fail
 * exceptionally), on an arbitrary thread.
 */
public interface SessionStore {
    /** Every stored session, latest value per client id; removed ones absent. Blocks until read to the end. */
    Map<String, byte[]> loadAll();

    /** Stores the state for a client id; completes once it is durable. */
    CompletionStage<Void> put(String clientId, byte[] state);

    /** Deletes the state for a client id (a tombstone); completes once it is durable. */
    CompletionStage<Void> remove(String clientId);
}
