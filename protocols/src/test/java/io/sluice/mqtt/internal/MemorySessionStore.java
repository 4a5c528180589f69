package io.sluice.mqtt.internal;

import io.sluice.ingest.SessionStore;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** Session store in memory, for protocol tests; a test may make it fail. */
final class MemorySessionStore implements SessionStore {
    final Map<String, byte[]> data = new ConcurrentHashMap<>();
    volatile boolean failing;

    @Override
    public Map<String, byte[]> loadAll() {
        return new HashMap<>(data);
    }

    @Override
    public CompletionStage<Void> put(String clientId, byte[] state) {
        if (failing) {
            return CompletableFuture.failedFuture(new IllegalStateException("store down"));
        }
        data.put(clientId, state);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> remove(String clientId) {
        data.remove(clientId);
        return CompletableFuture.completedFuture(null);
    }
}
