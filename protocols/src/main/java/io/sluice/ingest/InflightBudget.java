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
 * <p>A {@linkplain #share share} is a budget capped at a percentage of this one whose bytes count here too: the
 * UDP sources take theirs from a share, so a datagram flood can spend at most that share and MQTT readers always
 * keep the rest.
 *
 * <p>Thread-safe and lock-free. Parked actions run on the releasing thread and must only re-dispatch (e.g.
 * {@code channel.eventLoop().execute(...)}), never do work.
 */
public final class InflightBudget {
    private volatile long capacityBytes;
    /** The budget a share takes its bytes from too; null for a root budget. */
    private final InflightBudget parent;
    private final int percentOfParent;
    private final AtomicLong usedBytes = new AtomicLong();
    private final Queue<Runnable> parked = new ConcurrentLinkedQueue<>();

    public InflightBudget(long capacityBytes) {
        if (capacityBytes <= 0) {
            throw new IllegalArgumentException("capacityBytes must be > 0: " + capacityBytes);
        }
        this.capacityBytes = capacityBytes;
        this.parent = null;
        this.percentOfParent = 100;
    }

    private InflightBudget(InflightBudget parent, int percent) {
        this.parent = parent;
        this.percentOfParent = percent;
    }

    /**
     * A budget of its own for a group of front ends, capped at {@code percent} of this budget's capacity (following
     * {@link #resize}); every byte it grants is also taken from this budget, so this budget's bound holds for all.
     */
    public InflightBudget share(int percent) {
        if (parent != null) {
            throw new IllegalStateException("a share cannot be shared again");
        }
        if (percent < 1 || percent > 100) {
            throw new IllegalArgumentException("percent must be 1..100: " + percent);
        }
        return new InflightBudget(this, percent);
    }

    /**
     * Takes {@code bytes} if they fit. A single request larger than the whole budget is granted when nothing else
     * is in flight, so one oversized (but allowed) message can never wedge a connection. A share grants only what
     * both it and its parent can.
     */
    public boolean tryAcquire(int bytes) {
        long capacity = capacityBytes();
        while (true) {
            long used = usedBytes.get();
            long next = used + bytes;
            if (next > capacity && used > 0) {
                return false;
            }
            if (usedBytes.compareAndSet(used, next)) {
                break;
            }
        }
        if (parent != null && !parent.tryAcquire(bytes)) {
            usedBytes.addAndGet(-bytes);
            return false;
        }
        return true;
    }

    /** Returns bytes and wakes every parked reader so each can try again (a share releases its parent too). */
    public void release(int bytes) {
        long now = usedBytes.addAndGet(-bytes);
        if (now < 0) {
            throw new IllegalStateException("budget released more than acquired: " + now);
        }
        if (parent != null) {
            parent.release(bytes);
            return; // a share's readers park on the parent, which that release just woke
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
     * A share's readers park on its parent: every release of the share releases the parent, so whichever was
     * full, a release wakes them.
     */
    public void park(int bytes, Runnable resume) {
        Queue<Runnable> queue = parent == null ? parked : parent.parked;
        queue.add(resume);
        if (fits(bytes) && (parent == null || parent.fits(bytes)) && queue.remove(resume)) {
            resume.run();
        }
    }

    private boolean fits(int bytes) {
        long used = usedBytes.get();
        return used == 0 || used + bytes <= capacityBytes();
    }

    public long usedBytes() {
        return usedBytes.get();
    }

    public long capacityBytes() {
        return parent == null ? capacityBytes : Math.max(1, parent.capacityBytes() * percentOfParent / 100);
    }

    /**
     * Changes the budget while running (a reload). A larger budget wakes every parked reader at once; a smaller one
     * takes effect as bytes are released (nothing already in flight is touched). Shares follow their parent.
     */
    public void resize(long newCapacityBytes) {
        if (parent != null) {
            throw new IllegalStateException("a share follows its parent's capacity; resize the parent");
        }
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
        return parent == null ? parked.size() : parent.parked.size();
    }
}
