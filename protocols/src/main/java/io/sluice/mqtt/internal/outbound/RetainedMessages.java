package io.sluice.mqtt.internal.outbound;

import io.sluice.delivery.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The retained message of each topic, fed only by the delivery log's retained topic
 * ({@link io.sluice.delivery.DeliveryListener#onRetained}), so nothing is served that the log does not hold.
 * Bounded by what that compacted topic holds.
 *
 * <p>Threading: thread-safe; updated on the log's thread, read on event loops when a SUBSCRIBE is granted.
 */
public final class RetainedMessages {
    private final ConcurrentHashMap<String, Message> byTopic = new ConcurrentHashMap<>();

    /** The retained message of {@code m.topic()} becomes {@code m}, or is deleted when its payload is empty. */
    public void update(Message m) {
        if (m.payload().length == 0) {
            byTopic.remove(m.topic());
        } else {
            byTopic.put(m.topic(), m);
        }
    }

    /** The retained messages whose topics {@code filter} matches (a scan of every retained topic). */
    public List<Message> matching(String filter) {
        List<Message> out = new ArrayList<>();
        for (Message m : byTopic.values()) {
            if (TopicMatcher.matches(filter, m.topic())) {
                out.add(m);
            }
        }
        out.sort(java.util.Comparator.comparing(Message::topic));
        return out;
    }

    public int size() {
        return byTopic.size();
    }
}
