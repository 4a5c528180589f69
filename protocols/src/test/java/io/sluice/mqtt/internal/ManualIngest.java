package io.sluice.mqtt.internal;

import io.sluice.ingest.Delivery;
import io.sluice.ingest.Envelope;
import io.sluice.ingest.Ingest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** An ingest whose deliveries the test completes by hand, in any order (tests of MQTT behaviour, not Kafka). */
final class ManualIngest implements Ingest {
    final List<Envelope> received = new ArrayList<>();
    final List<CompletableFuture<Delivery>> pending = new ArrayList<>();

    @Override
    public synchronized CompletionStage<Delivery> submit(Envelope envelope) {
        received.add(envelope);
        CompletableFuture<Delivery> f = new CompletableFuture<>();
        pending.add(f);
        return f;
    }

    synchronized void complete(int index, Delivery d) {
        pending.get(index).complete(d);
    }

    /** Envelopes submitted so far (safe from any thread). */
    synchronized int count() {
        return received.size();
    }
}
