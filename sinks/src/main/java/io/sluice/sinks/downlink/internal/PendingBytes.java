package io.sluice.sinks.downlink.internal;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The downlink's bound on the bytes of records read and not finished ({@code downlink.max_pending_bytes}): what a
 * record counts (key, value and headers), whether one more fits, and whether the partitions must pause. A record
 * that does not fit is left to the consumer (read again once it fits) and remembered, so the partitions stay paused
 * until there is room for it rather than fetching it again and again; a record larger than the whole bound is taken
 * when nothing else is pending, so the reader never stalls (counted as oversized).
 *
 * <p>Threading: not thread-safe; the downlink's consumer thread only, but {@link #oversized} and {@link #pauses}
 * from any thread.
 */
final class PendingBytes {
    private final long max;
    /** The size of a record left to the consumer for want of room, 0 when none waits. */
    private long waiting;
    private volatile boolean paused;
    private final java.util.concurrent.atomic.LongAdder pauses = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder oversized = new java.util.concurrent.atomic.LongAdder();

    PendingBytes(long max) {
        this.max = max;
    }

    /** The bytes a record counts: its key (UTF-8), its value and each header's name (UTF-8) and value. */
    static long of(ConsumerRecord<String, byte[]> r) {
        long n = utf8Length(r.key()) + (r.value() == null ? 0 : r.value().length);
        for (Header h : r.headers()) {
            n += utf8Length(h.key()) + (h.value() == null ? 0 : h.value().length);
        }
        return n;
    }

    /**
     * True when a record of {@code bytes} may be taken with {@code pending} bytes unfinished: it fits, or nothing is
     * pending (then a record beyond the bound is counted oversized). False remembers it as waiting for room.
     */
    boolean fits(long pending, long bytes) {
        if (pending > 0 && pending + bytes > max) {
            waiting = Math.max(waiting, bytes);
            return false;
        }
        if (bytes > max) {
            oversized.increment();
        }
        return true;
    }

    /**
     * True while the partitions must pause for bytes: the bound is reached, or a record waits that does not fit yet.
     * Counts each pause that starts.
     */
    boolean full(long pending) {
        boolean full = pending > 0 && (pending >= max || pending + waiting > max);
        if (!full) {
            waiting = 0; // room for it now: the next poll reads it again
        }
        if (full && !paused) {
            pauses.increment();
        }
        paused = full;
        return full;
    }

    boolean paused() {
        return paused;
    }

    long pauses() {
        return pauses.sum();
    }

    long oversized() {
        return oversized.sum();
    }

    private static long utf8Length(String s) {
        if (s == null) {
            return 0;
        }
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
