package io.sluice.mqtt.internal;

import io.sluice.ingest.SessionStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A session store shared by a fleet, in memory, for protocol tests: the test plays the sessions log, handing the
 * follower records of other nodes ({@link #remote}) and this node's own writes back ({@link #echoOwn}) in the order
 * it chooses. Writes complete at once. Single-threaded use (the test thread).
 */
final class FleetStore implements SessionStore {
    /** One write of this node: key and value (null: a tombstone). */
    record Write(String key, byte[] value) {
    }

    final Map<String, byte[]> data = new ConcurrentHashMap<>();
    final List<Write> writes = new ArrayList<>();
    private final String node;
    private int echoed;
    private Listener listener;

    FleetStore(String node) {
        this.node = node;
    }

    @Override
    public Map<String, byte[]> loadAll() {
        return new HashMap<>(data);
    }

    @Override
    public CompletionStage<Void> put(String clientId, byte[] state) {
        data.put(clientId, state);
        writes.add(new Write(clientId, state));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> remove(String clientId) {
        data.remove(clientId);
        writes.add(new Write(clientId, null));
        return CompletableFuture.completedFuture(null);
    }

    /** What {@link #caughtUp} returns: the test completes it when the follower has read what it chose. */
    CompletableFuture<Void> catchUp = CompletableFuture.completedFuture(null);
    int catchUps;

    @Override
    public CompletionStage<Void> caughtUp() {
        catchUps++;
        return catchUp;
    }

    @Override
    public void follow(Listener l) {
        this.listener = l;
    }

    /** The follower reads every write of this node not read back yet, with this node's header. */
    void echoOwn() {
        while (echoed < writes.size()) {
            Write w = writes.get(echoed++);
            listener.onRecord(w.key(), w.value(), node);
        }
    }

    /** The follower reads a record another node wrote. */
    void remote(String writer, String key, SessionState s) {
        remoteRaw(writer, key, s == null ? null : SessionCodec.encode(s));
    }

    void remoteRaw(String writer, String key, byte[] value) {
        if (value == null) {
            data.remove(key);
        } else {
            data.put(key, value);
        }
        listener.onRecord(key, value, writer);
    }
}
