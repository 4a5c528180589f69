package io.sluice.ingest;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The global budget of bytes handed to {@link Ingest} and not yet completed. Front ends acquire before they
 * submit and release when the delivery completes, whatever its outcome. When the budget is spent, a front end
 * stops reading the socket that asked and parks a resume action here; releases run parked actions once room
 * frees up (backpressure through reads, not queues).
 *
 * <p>Thread-safe and lock-free. Parked actions run on the releasing thread and must only re-dispatch (e.g.
 * {@code channel.eventLoop().execute(...)}), never do work.
 */
public final class InflightBudget {
    private volatile long capacityBytes;
    private final AtomicLong usedBytes = new AtomicLong();
    private final Queue<Runnable> parked = new ConcurrentLinkedQueue<>();

    public InflightBudget(long capacityBytes) {
        if (capacityBytes <= 0) {
            throw new IllegalArgumentException("capacityBytes must be > 0: " + capacityBytes);
        }
        this.capacityBytes = capacityBytes;
    }

    /**
     * Takes {@code bytes} if they fit. A single request larger than the whole budget is granted when nothing else
     * is in flight, so one oversized (but allowed) message can never wedge a connection.
     */
    public boolean tryAcquire(int bytes) {
        while (true) {
            long used = usedBytes.get();
            long next = used + bytes;
            if (next > capacityBytes && used > 0) {
                return false;
            }
            if (usedBytes.compareAndSet(used, next)) {
                return true;
            }
        }
    }

    /** Returns bytes and wakes every parked reader so each can try again. */
    public void release(int bytes) {
        long now = usedBytes.addAndGet(-bytes);
        if (now < 0) {
            throw new IllegalStateException("budget released more than acquired: " + now);
        }
        Runnable r;
        while ((r = parked.poll()) != null) {
            r.run();
        }
    }

    /**
     * Registers a resume action to run at the next release, for a reader that failed to acquire {@code bytes}.
     * If that much room freed between the failed {@link #tryAcquire} and this call, the action runs at once so
     * no reader stays parked forever; otherwise it waits, so a reader whose message does not fit yet never spins.
     */
    public void park(int bytes, Runnable resume) {
        parked.add(resume);
        if (fits(bytes) && parked.remove(resume)) {
            resume.run();
        }
    }

    private boolean fits(int bytes) {
        long used = usedBytes.get();
        return used == 0 || used + bytes <= capacityBytes;
    }

    public long usedBytes() {
        return usedBytes.get();
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    /**
     * Changes the budget while running (a reload). A larger budget wakes every parked reader at once; a smaller one
     * takes effect as bytes are released (nothing already in flight is touched).
     */
    public void resize(long newCapacityBytes) {
        if (newCapacityBytes <= 0) {
            throw new IllegalArgumentException("capacityBytes must be > 0: " + newCapacityBytes);
        }
        long old = capacityBytes;
        capacityBytes = newCapacityBytes;
        if (newCapacityBytes > old) {
            Runnable r;
            while ((r = parked.poll()) != null) {
                r.run();
            }
        }
    }

    public int parkedReaders() {
        return parked.size();
    }
}
