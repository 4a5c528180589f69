package io.sluice.sinks.delivery;

import io.sluice.delivery.DeliveryListener;
import io.sluice.delivery.Message;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Keeps what a delivery log hands over, in order; the retained state as a listener would hold it. Thread-safe. */
final class RecordingListener implements DeliveryListener {
    record Delivered(long position, Message message) {
    }

    private final List<Delivered> messages = new ArrayList<>();
    private final List<Message> retainedChanges = new ArrayList<>();
    private final Map<String, Message> retained = new LinkedHashMap<>();
    private final List<String> threads = new ArrayList<>();
    /** Handed-over records and markers, as text: "position for client payload[ inflight]", "position done client". */
    private final List<String> handovers = new ArrayList<>();

    @Override
    public synchronized void onHandedOver(long position, String clientId, Message message, boolean inflight) {
        handovers.add(position + " for " + clientId + " "
                + new String(message.payload(), java.nio.charset.StandardCharsets.UTF_8) + (inflight ? " inflight" : ""));
    }

    @Override
    public synchronized void onHandoverDone(long position, String clientId) {
        handovers.add(position + " done " + clientId);
    }

    synchronized List<String> handovers() {
        return List.copyOf(handovers);
    }

    @Override
    public synchronized void onMessage(long position, Message message) {
        messages.add(new Delivered(position, message));
        threads.add(Thread.currentThread().getName());
    }

    @Override
    public synchronized void onRetained(Message message) {
        retainedChanges.add(message);
        if (message.payload().length == 0) {
            retained.remove(message.topic());
        } else {
            retained.put(message.topic(), message);
        }
    }

    synchronized List<Delivered> messages() {
        return List.copyOf(messages);
    }

    synchronized List<Message> retainedChanges() {
        return List.copyOf(retainedChanges);
    }

    synchronized Map<String, Message> retained() {
        return Map.copyOf(retained);
    }

    synchronized List<String> threads() {
        return List.copyOf(threads);
    }
}
