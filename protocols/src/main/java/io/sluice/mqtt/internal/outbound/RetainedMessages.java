package io.sluice.mqtt.internal.outbound;

import io.sluice.delivery.Message;
import io.sluice.mqtt.MqttStats;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retained message of each topic, fed only by the delivery log's retained topic
 * ({@link io.sluice.delivery.DeliveryListener#onRetained}), so nothing is served that the log does not hold.
 * Bounded by {@code delivery.max_retained_bytes} (each message weighs its payload + 2 x its topic + 200 B + 160 B per
 * topic level, for its place in the {@link RetainedIndex} that SUBSCRIBE searches): a
 * PUBLISH that would add a topic beyond it is refused before it is written ({@link #admits}); one arriving beyond it
 * anyway (written by another node, or several admitted at once) is not held, counted {@code retained_full}, and the
 * message it replaces is dropped too (it is no longer the topic's retained message).
 *
 * <p>Threading: thread-safe; updated on the log's thread only, read on event loops (the index under a read-write
 * lock: SUBSCRIBEs read it together, an update waits for them).
 */
public final class RetainedMessages {
    private static final Logger LOG = LoggerFactory.getLogger(RetainedMessages.class);
    static final int OVERHEAD_BYTES = 200;

    private final ConcurrentHashMap<String, Message> byTopic = new ConcurrentHashMap<>();
    private final RetainedIndex index = new RetainedIndex(); // guarded by lock
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final AtomicLong bytes = new AtomicLong();
    private final long maxBytes;
    private final MqttStats stats;

    public RetainedMessages(long maxBytes, MqttStats stats) {
        this.maxBytes = maxBytes;
        this.stats = stats;
    }

    static long weight(Message m) {
        return m.payload().length + 2L * m.topic().length() + OVERHEAD_BYTES
                + (long) RetainedIndex.LEVEL_BYTES * RetainedIndex.levels(m.topic());
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
            remove(m.topic());
            return;
        }
        if (!admits(m)) {
            stats.count("retained_full");
            LOG.warn("Retained message of '{}' not held: delivery.max_retained_bytes ({}) reached [retained_full]",
                    m.topic(), maxBytes);
            remove(m.topic()); // the topic's retained message is the new one: never the old
            return;
        }
        Message old = byTopic.put(m.topic(), m);
        bytes.addAndGet(weight(m) - (old == null ? 0 : weight(old)));
        if (old == null) {
            lock.writeLock().lock();
            try {
                index.add(m.topic());
            } finally {
                lock.writeLock().unlock();
            }
        }
    }

    private void remove(String topic) {
        Message old = byTopic.remove(topic);
        if (old != null) {
            bytes.addAndGet(-weight(old));
            lock.writeLock().lock();
            try {
                index.remove(topic);
            } finally {
                lock.writeLock().unlock();
            }
        }
    }

    /**
     * The retained messages whose topics {@code filter} matches, in topic order: a filter without wildcards is one
     * lookup, one with wildcards walks only the index's branches it names.
     */
    public List<Message> matching(String filter) {
        List<Message> out = new ArrayList<>();
        if (filter.indexOf('+') < 0 && filter.indexOf('#') < 0) {
            Message m = byTopic.get(filter);
            return m == null ? out : List.of(m);
        }
        List<String> topics;
        lock.readLock().lock();
        try {
            topics = index.matching(filter);
        } finally {
            lock.readLock().unlock();
        }
        for (String topic : topics) {
            Message m = byTopic.get(topic); // null when deleted since: then it is not served
            if (m != null) {
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
