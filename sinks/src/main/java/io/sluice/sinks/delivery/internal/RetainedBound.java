package io.sluice.sinks.delivery.internal;

import io.sluice.delivery.Message;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the retained messages handed to the listener within {@code delivery.max_retained_messages} and
 * {@code delivery.max_retained_bytes} (payload, two bytes a topic character and 200 B each: the weight the MQTT
 * side's retained map uses for the same bound). A retained message beyond either
 * is counted, logged once, and not handed on; one that replaces a held message and does not fit deletes the held
 * one (the log no longer has it as retained either). Remembers each held topic and its weight.
 *
 * <p>Not thread-safe: used only on the delivery log's reader thread; the counts may be read from any thread.
 */
public final class RetainedBound {
    private static final Logger LOG = LoggerFactory.getLogger(RetainedBound.class);
    /** Per retained message beyond payload and topic: the message, its headers' objects, the map entry. */
    static final int OVERHEAD_BYTES = 200;

    private final int maxMessages;
    private final long maxBytes;
    private final Map<String, Long> held = new HashMap<>();
    private long bytes;
    private volatile int count;
    private volatile long heldBytes;
    private volatile long refused;
    private boolean logged;

    public RetainedBound(int maxMessages, long maxBytes) {
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
    }

    /**
     * What the listener is to be told of a retained record: {@code m} itself, a deletion of its topic (a message
     * with an empty payload), or null for nothing (a deletion of a topic not held, or a message beyond the bound).
     */
    public Message admit(Message m) {
        Long old = held.get(m.topic());
        if (m.payload().length == 0) {
            if (old == null) {
                return null;
            }
            forget(m.topic(), old);
            return m;
        }
        long weight = m.payload().length + 2L * m.topic().length() + OVERHEAD_BYTES;
        int nextCount = held.size() + (old == null ? 1 : 0);
        long nextBytes = bytes - (old == null ? 0 : old) + weight;
        if (nextCount > maxMessages || nextBytes > maxBytes) {
            refused++;
            if (!logged) {
                logged = true;
                LOG.warn("Retained message of '{}' not held: {} retained messages of {} bytes are held, at most {}"
                        + " (delivery.max_retained_messages) and {} bytes (delivery.max_retained_bytes); further ones"
                        + " are counted (retained_refused) without another line", m.topic(), held.size(), bytes,
                        maxMessages, maxBytes);
            }
            if (old == null) {
                return null;
            }
            forget(m.topic(), old);
            return deletion(m);
        }
        held.put(m.topic(), weight);
        bytes = nextBytes;
        publish();
        return m;
    }

    private void forget(String topic, long weight) {
        held.remove(topic);
        bytes -= weight;
        publish();
    }

    private void publish() {
        count = held.size();
        heldBytes = bytes;
    }

    private static Message deletion(Message m) {
        return new Message(m.topic(), new byte[0], 0, true, m.publisherClientId(), m.publishedAtMillis(), 0, -1, null,
                null, null, null);
    }

    /** Retained messages held now. */
    public int count() {
        return count;
    }

    /** Their weight (payload, two bytes per topic character, 200 B each). */
    public long bytes() {
        return heldBytes;
    }

    /** Retained messages not held because of the bound. */
    public long refused() {
        return refused;
    }
}
