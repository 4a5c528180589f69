package io.sluice.daemon.internal;

import io.sluice.ingest.SessionStore;
import io.sluice.sinks.kafka.KafkaSessionLog;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/** Persistent MQTT sessions kept in the compacted sessions topic, so any node can resume them. */
public final class KafkaSessionStore implements SessionStore {
    private final KafkaSessionLog log;

    public KafkaSessionStore(KafkaSessionLog log) {
        this.log = log;
    }

    @Override
    public Map<String, byte[]> loadAll() {
        return log.loadAll();
    }

    @Override
    public CompletionStage<Void> put(String clientId, byte[] state) {
        return log.put(clientId, state);
    }

    @Override
    public CompletionStage<Void> offer(String clientId, byte[] state) {
        return log.offer(clientId, state);
    }

    @Override
    public CompletionStage<Void> remove(String clientId) {
        return log.remove(clientId);
    }

    @Override
    public CompletionStage<Void> caughtUp() {
        return log.caughtUp();
    }

    @Override
    public void follow(Listener listener) {
        log.follow(listener::onRecord);
    }
}
