package io.sluice.mqtt.internal.outbound;

import io.sluice.delivery.Message;
import io.sluice.mqtt.MqttStats;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retained message of each topic, fed only by the delivery log's retained topic
 * ({@link io.sluice.delivery.DeliveryListener#onRetained}), so nothing is served that the log does not hold.
 * Bounded by {@code delivery.max_retained_bytes} (each message weighs its payload + 2 x its topic + 200 B): a
 * PUBLISH that would add a topic beyond it is refused before it is written ({@link #admits}); one arriving beyond it
 * anyway (written by another node, or several admitted at once) is not held, counted {@code retained_full}, and the
 * message it replaces is dropped too (it is no longer the topic's retained message).
 *
 * <p>Threading: thread-safe; updated on the log's thread only, read on event loops.
 */
public final class RetainedMessages {
    private static final Logger LOG = LoggerFactory.getLogger(RetainedMessages.class);
    static final int OVERHEAD_BYTES = 200;

    private final ConcurrentHashMap<String, Message> byTopic = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    private final long maxBytes;
    private final MqttStats stats;

    public RetainedMessages(long maxBytes, MqttStats stats) {
        this.maxBytes = maxBytes;
        this.stats = stats;
    }

    static long weight(Message m) {
        return m.payload().length + 2L * m.topic().length() + OVERHEAD_BYTES;
    }

    /** True when retaining {@code m} stays within the bound: a deletion, a replacement, or room for a new topic. */
    public boolean admits(Message m) {
        if (m.payload().length == 0) {
            return true;
        }
        Message old = byTopic.get(m.topic());
        return bytes.get() - (old == null ? 0 : weight(old)) + weight(m) <= maxBytes;
    }

    /** The retained message of {@code m.topic()} becomes {@code m}, or is deleted when its payload is empty. */
    public void update(Message m) {
        if (m.payload().length == 0) {
            Message old = byTopic.remove(m.topic());
            if (old != null) {
                bytes.addAndGet(-weight(old));
            }
            return;
        }
        if (!admits(m)) {
            stats.count("retained_full");
            LOG.warn("Retained message of '{}' not held: delivery.max_retained_bytes ({}) reached [retained_full]",
                    m.topic(), maxBytes);
            Message stale = byTopic.remove(m.topic()); // the topic's retained message is the new one: never the old
            if (stale != null) {
                bytes.addAndGet(-weight(stale));
            }
            return;
        }
        Message old = byTopic.put(m.topic(), m);
        bytes.addAndGet(weight(m) - (old == null ? 0 : weight(old)));
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

    /** Bytes held, by the weight above. */
    public long bytes() {
        return bytes.get();
    }
}
