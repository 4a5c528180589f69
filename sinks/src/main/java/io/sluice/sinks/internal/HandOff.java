package io.sluice.sinks.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Hands items from any number of threads to one dedicated thread that processes them in submission order.
 *
 * <p>Why: the Kafka producer's {@code send} may block (up to {@code max.block.ms}) for metadata or buffer space.
 * Callers such as Netty event loops must never block, so they only enqueue here, and the blocking happens on
 * this thread.
 *
 * <p>The queue has no bound of its own on purpose: what it holds is bounded by its callers' budgets, and a second
 * bound here would either block the caller or drop, and both break the contract. For the readings log, every item
 * is the record of an envelope whose {@code Envelope.weightBytes()} is held in the in-flight budget until the
 * item completes, and that weight is an upper bound of the heap the record holds here (payload, key, every header
 * including user properties, content type, source and the log's own fields; {@code LogIngestTest} checks it), so
 * the queue never holds more than {@code ingest.max_inflight_bytes}. A caller without such a budget must bound
 * what it submits itself (the session log coalesces and caps its writes before they reach a sender thread).
 *
 * <p>Every submitted item is given exactly once either to the handler or, if it was never handled (stopped
 * first, or the handler threw), to the abandon callback; {@link #submit} after {@link #stop} returns false and
 * gives the item to neither.
 *
 * @param <T> item type
 */
public final class HandOff<T> {
    private static final Object STOP = new Object();

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Consumer<T> handler;
    private final Consumer<T> onAbandoned;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile boolean abandonRest;
    private volatile boolean threadDone;

    /**
     * Starts the thread (a daemon thread, so a forgotten hand-off never holds the JVM up).
     *
     * @param threadName  name of the thread, shows in thread dumps
     * @param handler     processes one item; runs on the hand-off thread; should not throw
     * @param onAbandoned told about each item that will never be handled; runs on the thread calling
     *                    {@link #stop}, or on the hand-off thread when the handler threw
     */
    public HandOff(String threadName, Consumer<T> handler, Consumer<T> onAbandoned) {
        this.handler = Objects.requireNonNull(handler, "handler");
        this.onAbandoned = Objects.requireNonNull(onAbandoned, "onAbandoned");
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Enqueues an item; never blocks. Returns false, and keeps nothing, when the hand-off is stopping. */
    public boolean submit(T item) {
        Objects.requireNonNull(item, "item");
        if (stopping) {
            return false;
        }
        queue.add(item);
        // stop() may have drained the queue between our check and our add: then nobody will take this item,
        // so take it back. Whoever removes it (us or the drain) is the only one to handle it.
        if (threadDone && queue.remove(item)) {
            onAbandoned.accept(item);
        }
        return true;
    }

    /** Items waiting for the hand-off thread (not counting the one it is processing). */
    public int queued() {
        return queue.size();
    }

    /**
     * Blocks until every item submitted before this call has been given to the handler (or abandoned), or the
     * timeout passes. Returns true when they have.
     */
    public boolean awaitHandled(Duration timeout) throws InterruptedException {
        var barrier = new CountDownLatch(1);
        if (stopping || threadDone) {
            return queue.isEmpty();
        }
        queue.add(barrier);
        return barrier.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Stops taking items, lets the thread work through what is queued until the timeout, then interrupts it and
     * abandons whatever is left. Blocks the caller up to about the timeout. Idempotent.
     */
    public void stop(Duration timeout) throws InterruptedException {
        stopping = true;
        queue.add(STOP);
        thread.join(Math.max(1, timeout.toMillis()));
        if (thread.isAlive()) {
            // The handler may be blocked (e.g. waiting for metadata); interrupting ends that wait.
            abandonRest = true;
            thread.interrupt();
            thread.join(1_000);
        }
        threadDone = true;
        Object o;
        while ((o = queue.poll()) != null) {
            abandon(o);
        }
    }

    private void run() {
        try {
            while (!abandonRest) {
                Object o = queue.take();
                if (o == STOP) {
                    return;
                }
                if (o instanceof CountDownLatch barrier) {
                    barrier.countDown();
                    continue;
                }
                handle(o);
            }
        } catch (InterruptedException e) {
            // stop() gave up waiting; what is still queued is abandoned there
        }
    }

    @SuppressWarnings("unchecked")
    private void handle(Object o) {
        try {
            handler.accept((T) o);
        } catch (RuntimeException | Error e) {
            onAbandoned.accept((T) o);
        }
    }

    @SuppressWarnings("unchecked")
    private void abandon(Object o) {
        if (o == STOP) {
            return;
        }
        if (o instanceof CountDownLatch barrier) {
            barrier.countDown();
            return;
        }
        onAbandoned.accept((T) o);
    }
}
