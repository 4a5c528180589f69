package io.sluice.udp.internal;

import io.sluice.udp.MqttSnLimits;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One MQTT-SN client's state: registered topics, the QoS 1 readings in flight and the recently delivered ones (for
 * duplicate detection). A reading is known by its fingerprint: a 64-bit hash of its message id, topic name and
 * payload, so a reused message id with new content is a new reading and only a true retransmission is a duplicate.
 *
 * <p>Thread-safe: the mutable state is guarded by this object's monitor; {@link #lastSeen} and {@link #address} are
 * volatile. Kept small for millions of sleeping sensors: arrays allocated on first use, no boxed maps.
 */
final class SnClient {
    private static final long[] NONE = new long[0];
    private static final String[] NO_TOPICS = new String[0];
    /** Delivered readings remembered per client for duplicate detection. */
    static final int RECENT = 16;
    /**
     * Heap a registered topic costs beyond its name's bytes (String and array headers, the array slot), charged
     * with the name so the byte bounds cap the heap of many short names too.
     */
    static final int TOPIC_OVERHEAD_BYTES = 48;
    /** {@link #register} refusals (topic ids are >= 1). */
    static final int TOO_MANY_TOPICS = -1, TOPIC_BYTES_PER_CLIENT = -2, TOPIC_BYTES_TOTAL = -3, GONE = -4;

    /** What {@link #admitQos1} decided for a QoS 1 PUBLISH. */
    enum Admission { NEW, DUPLICATE_INFLIGHT, DUPLICATE_DELIVERED, INFLIGHT_FULL }

    final String clientId;
    /** Registered topic names; topic id i+1 is {@code topics[i]} (ids are handed out in order). */
    private String[] topics = NO_TOPICS;
    /**
     * Bytes charged for {@link #topics} (UTF-8 bytes plus {@link #TOPIC_OVERHEAD_BYTES} each) against the
     * per-client and the gateway-wide bound.
     */
    private int topicBytes;
    /** Fingerprints of recently delivered QoS 1 readings (a ring); null until the first delivery. */
    private long[] recent;
    private byte recentPos;
    private byte recentCount;
    /** Fingerprints of QoS 1 readings handed to ingest without an outcome yet. */
    private long[] inflight = NONE;
    /** Set once the gateway forgot this client; it registers nothing more. Volatile for the sweeper's reads. */
    private volatile boolean retired;
    volatile long lastSeen;
    /** The key of the address it speaks from now ({@link MqttSnCore#key}). */
    volatile Object address;

    SnClient(String clientId, long now) {
        this.clientId = clientId;
        this.lastSeen = now;
    }

    /**
     * The topic id of {@code name}, registering it if new and within the limits; otherwise a negative refusal
     * ({@link #TOO_MANY_TOPICS}, {@link #TOPIC_BYTES_PER_CLIENT}, {@link #TOPIC_BYTES_TOTAL}, {@link #GONE}).
     * {@code totalBytes} is the gateway-wide count of bytes charged for registered topics.
     */
    synchronized int register(String name, int nameBytes, MqttSnLimits limits, AtomicLong totalBytes) {
        int cost = nameBytes + TOPIC_OVERHEAD_BYTES;
        if (retired) {
            return GONE;
        }
        for (int i = 0; i < topics.length; i++) {
            if (topics[i].equals(name)) {
                return i + 1;
            }
        }
        if (topics.length >= limits.maxTopicsPerClient()) {
            return TOO_MANY_TOPICS;
        }
        if ((long) topicBytes + cost > limits.maxTopicBytesPerClient()) {
            return TOPIC_BYTES_PER_CLIENT;
        }
        long total;
        do {
            total = totalBytes.get();
            if (total + cost > limits.maxTopicBytes()) {
                return TOPIC_BYTES_TOTAL;
            }
        } while (!totalBytes.compareAndSet(total, total + cost));
        topics = Arrays.copyOf(topics, topics.length + 1);
        topics[topics.length - 1] = name;
        topicBytes += cost;
        return topics.length;
    }

    /** The registered topic of {@code topicId}, or null. */
    synchronized String topic(int topicId) {
        return topicId >= 1 && topicId <= topics.length ? topics[topicId - 1] : null;
    }

    boolean retired() {
        return retired;
    }

    /** Marks the client forgotten and gives its topic-name bytes back to {@code totalBytes}. Idempotent. */
    synchronized void retire(AtomicLong totalBytes) {
        if (!retired) {
            retired = true;
            totalBytes.addAndGet(-topicBytes);
            topicBytes = 0;
            topics = NO_TOPICS;
        }
    }

    /**
     * Decides on a QoS 1 reading: a copy of one in flight, a DUP of one delivered, refused for a full in-flight
     * window, or new (then it is in flight until {@link #settle}).
     */
    synchronized Admission admitQos1(long fingerprint, boolean dup, int maxInflight) {
        if (contains(inflight, inflight.length, fingerprint)) {
            return Admission.DUPLICATE_INFLIGHT;
        }
        if (dup && recent != null && contains(recent, recentCount, fingerprint)) {
            return Admission.DUPLICATE_DELIVERED;
        }
        if (inflight.length >= maxInflight) {
            return Admission.INFLIGHT_FULL;
        }
        long[] next = Arrays.copyOf(inflight, inflight.length + 1);
        next[inflight.length] = fingerprint;
        inflight = next;
        return Admission.NEW;
    }

    /** The reading left flight: remembered as delivered when {@code delivered}. */
    synchronized void settle(long fingerprint, boolean delivered) {
        for (int i = 0; i < inflight.length; i++) {
            if (inflight[i] == fingerprint) {
                long[] next = new long[inflight.length - 1];
                System.arraycopy(inflight, 0, next, 0, i);
                System.arraycopy(inflight, i + 1, next, i, inflight.length - i - 1);
                inflight = next.length == 0 ? NONE : next;
                break;
            }
        }
        if (delivered) {
            if (recent == null) {
                recent = new long[RECENT];
            }
            recent[recentPos] = fingerprint;
            recentPos = (byte) ((recentPos + 1) % RECENT);
            if (recentCount < RECENT) {
                recentCount++;
            }
        }
    }

    synchronized int inflightCount() {
        return inflight.length;
    }

    private static boolean contains(long[] a, int n, long v) {
        for (int i = 0; i < n; i++) {
            if (a[i] == v) {
                return true;
            }
        }
        return false;
    }

    /**
     * The fingerprint of a reading: a 64-bit hash (FNV-1a, then a murmur3 finaliser) of its message id, topic name
     * and payload {@code b[from..to)}. Two different readings share one with a chance of about 2^-64.
     */
    static long fingerprint(int msgId, String topic, byte[] b, int from, int to) {
        long h = 0xcbf29ce484222325L;
        h = (h ^ msgId) * 0x100000001b3L;
        h = (h ^ topic.length()) * 0x100000001b3L; // the length prefix keeps topic and payload apart
        for (int i = 0; i < topic.length(); i++) {
            h = (h ^ topic.charAt(i)) * 0x100000001b3L;
        }
        for (int i = from; i < to; i++) {
            h = (h ^ (b[i] & 0xff)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
