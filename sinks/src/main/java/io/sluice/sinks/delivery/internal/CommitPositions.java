package io.sluice.sinks.delivery.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Which position of this node's delivery partition to store next. The listener asks for positions ({@link
 * #request}: every delivery before it is finished); the reader tells what it handed on and what it read. When
 * everything handed on is finished, the stored position also moves past the records of other nodes read since, so a
 * restart does not read them again. Stores are spaced by the commit interval, and at most one is in flight.
 *
 * <p>{@link #request} and the getters are thread-safe; the rest is called on the reader thread only.
 */
final class CommitPositions {
    private final long intervalNanos;
    private final AtomicLong requested = new AtomicLong(-1);
    private volatile long stored = -1;
    private long handedNext;
    private long readNext;
    private long lastStoreNanos;
    private boolean inFlight;

    CommitPositions(int commitIntervalMs) {
        this.intervalNanos = commitIntervalMs * 1_000_000L;
    }

    /** Reading starts at {@code position}, which is stored already. */
    void startAt(long position) {
        stored = position;
        handedNext = position;
        readNext = position;
        requested.set(position);
    }

    void read(long offset) {
        readNext = offset + 1;
    }

    void handed(long offset) {
        handedNext = offset + 1;
    }

    /** Every delivery before {@code next} is finished. Any thread; positions only move forward. */
    void request(long next) {
        requested.accumulateAndGet(next, Math::max);
    }

    /** The position to store now, or -1 when there is nothing new or the interval has not passed (unless {@code now}). */
    long due(boolean now, long nanoTime) {
        long target = requested.get();
        if (target >= handedNext) {
            target = Math.max(target, readNext);
        }
        if (target <= stored || (!now && (inFlight || nanoTime - lastStoreNanos < intervalNanos))) {
            return -1;
        }
        return target;
    }

    /** A store of some position was sent to Kafka at {@code nanoTime}; its answer comes with {@link #answered}. */
    void sent(long nanoTime) {
        inFlight = true;
        lastStoreNanos = nanoTime;
    }

    /** Kafka answered the store in flight: {@code position} is stored, or -1 when the store failed. */
    void answered(long position) {
        inFlight = false;
        if (position > stored) {
            stored = position;
        }
    }

    void stored(long position, long nanoTime) {
        inFlight = false;
        stored = Math.max(stored, position);
        lastStoreNanos = nanoTime;
    }

    long stored() {
        return stored;
    }
}
