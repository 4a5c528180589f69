package io.sluice.sinks.downlink.internal;

import io.sluice.delivery.Message;
import io.sluice.delivery.Publisher;
import io.sluice.ingest.Delivery;
import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * The downlink records on their way through the publish path: hands each message to the {@link Publisher}, takes
 * the outcomes back and applies them to the {@link PendingOffsets}: delivered or refused finishes the record, a
 * retryable outcome publishes it again after a backoff (100 ms, doubling to 5 s), never skipping it. An outcome of a
 * record whose partition was revoked meanwhile changes nothing (the partition's next reader has the record).
 *
 * <p>Threading: {@link #publish}, {@link #takeOutcomes} and {@link #retryDue} on the downlink's consumer thread only;
 * outcomes arrive on any thread (normally the delivery producer's) through a concurrent queue; counters from any
 * thread.
 */
final class Publishing {
    private static final long RETRY_FIRST_MS = 100;
    private static final long RETRY_MAX_MS = 5_000;

    /** One record on its way: its slot, its message, how often it was tried, when it is due again. */
    private record Attempt(PendingOffsets.Slot slot, Message message, int attempt, long dueNanos) {
    }

    private record Outcome(Attempt attempt, Delivery delivery) {
    }

    private final Publisher publisher;
    private final PendingOffsets offsets;
    private final BiConsumer<String, String> failures;
    private final LinkedBlockingQueue<Outcome> outcomes = new LinkedBlockingQueue<>();
    private final PriorityQueue<Attempt> retries =
            new PriorityQueue<>((a, b) -> Long.compare(a.dueNanos(), b.dueNanos()));
    private final LongAdder published = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder retried = new LongAdder();

    /** @param failures takes a failure's kind and detail (the reader's rate-limited failure log) */
    Publishing(Publisher publisher, PendingOffsets offsets, BiConsumer<String, String> failures) {
        this.publisher = publisher;
        this.offsets = offsets;
        this.failures = failures;
    }

    /** Publishes the message of the record of {@code slot}. */
    void publish(PendingOffsets.Slot slot, Message message) {
        publish(new Attempt(slot, message, 0, 0));
    }

    private void publish(Attempt a) {
        try {
            publisher.publish(a.message()).whenComplete((d, err) -> outcomes.add(new Outcome(a,
                    err != null ? Delivery.retryable("failed: " + err) : d == null ? Delivery.retryable("no outcome")
                            : d)));
        } catch (RuntimeException e) { // the publish path never throws; if it did, try again rather than lose it
            outcomes.add(new Outcome(a, Delivery.retryable("publish failed: " + e)));
        }
    }

    /** Applies the outcomes that arrived: finished, refused (finished) or scheduled again. */
    void takeOutcomes() {
        Outcome o;
        while ((o = outcomes.poll()) != null) {
            apply(o);
        }
    }

    /**
     * Waits up to {@code max} for an outcome (the consumer is paused: only an outcome can make room), then applies
     * all that arrived. False when interrupted.
     */
    boolean awaitOutcomes(Duration max) {
        try {
            Outcome o = outcomes.poll(max.toNanos(), TimeUnit.NANOSECONDS);
            if (o != null) {
                apply(o);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        takeOutcomes();
        return true;
    }

    private void apply(Outcome o) {
        Attempt a = o.attempt();
        if (!offsets.live(a.slot())) {
            return; // its partition was revoked: the next owner reads it again
        }
        switch (o.delivery().outcome()) {
            case DELIVERED -> {
                published.increment();
                offsets.finish(a.slot());
            }
            case REJECTED -> {
                refused.increment();
                failures.accept("refused", where(a) + ": " + o.delivery().reason() + " (skipped)");
                offsets.finish(a.slot());
            }
            default -> {
                retried.increment();
                long delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS << Math.min(a.attempt(), 16));
                failures.accept("publish retryable", where(a) + ": " + o.delivery().reason() + " (retried in "
                        + delay + " ms)");
                retries.add(new Attempt(a.slot(), a.message(), a.attempt() + 1,
                        System.nanoTime() + Duration.ofMillis(delay).toNanos()));
            }
        }
    }

    /** Publishes again the records whose backoff is over (those of revoked partitions are forgotten). */
    void retryDue() {
        long now = System.nanoTime();
        while (!retries.isEmpty() && retries.peek().dueNanos() - now <= 0) {
            Attempt a = retries.poll();
            if (offsets.live(a.slot())) {
                publish(a);
            }
        }
    }

    /** How long until the next retry is due, at most {@code max}. */
    Duration untilNextRetry(Duration max) {
        if (retries.isEmpty()) {
            return max;
        }
        long nanos = Math.max(0, retries.peek().dueNanos() - System.nanoTime());
        return Duration.ofNanos(Math.min(nanos, max.toNanos()));
    }

    /** Records waiting for a retry (no outcome is coming for them until it starts). */
    int waitingForRetry() {
        return retries.size();
    }

    long published() {
        return published.sum();
    }

    long refused() {
        return refused.sum();
    }

    long retried() {
        return retried.sum();
    }

    private static String where(Attempt a) {
        return a.slot().partition + "@" + a.slot().offset + " ('" + a.message().topic() + "')";
    }
}
