package io.sluice.mqtt.internal;

import io.sluice.ingest.Delivery;
import io.sluice.ingest.Envelope;
import io.sluice.ingest.ExactlyOnce;
import io.sluice.ingest.Ingest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * An ingest with the atomic reading-and-session write, completed by hand. A delivered atomic write puts its session
 * record into {@code store}, as the Kafka transaction does; a failed one puts nothing (the transaction aborted).
 * {@link #written} counts the readings that became durable, the figure exactly once is about.
 */
final class ExactlyOnceIngest implements Ingest, ExactlyOnce {
    private final MemorySessionStore store;
    final List<Envelope> received = new ArrayList<>();
    /** Session key of each submission, null for a plain one. */
    final List<String> sessionKeys = new ArrayList<>();
    private final List<CompletableFuture<Delivery>> pending = new ArrayList<>();
    private final List<Runnable> onDelivered = new ArrayList<>();
    int written;

    ExactlyOnceIngest(MemorySessionStore store) {
        this.store = store;
    }

    @Override
    public ExactlyOnce exactlyOnce() {
        return this;
    }

    @Override
    public synchronized CompletionStage<Delivery> submit(Envelope envelope) {
        return add(envelope, null, () -> { });
    }

    @Override
    public synchronized CompletionStage<Delivery> submit(Envelope envelope, String sessionKey, byte[] sessionValue) {
        return add(envelope, sessionKey, () -> store.data.put(sessionKey, sessionValue));
    }

    private CompletionStage<Delivery> add(Envelope e, String key, Runnable commit) {
        received.add(e);
        sessionKeys.add(key);
        CompletableFuture<Delivery> f = new CompletableFuture<>();
        pending.add(f);
        onDelivered.add(commit);
        return f;
    }

    synchronized void complete(int index, Delivery d) {
        if (d.delivered()) {
            written++;
            onDelivered.get(index).run();
        }
        pending.get(index).complete(d);
    }
}
