package io.sluice.sinks.fanout;

import io.sluice.sinks.Decoded;
import io.sluice.sinks.Point;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Makes a member's batches: holds the polled records, decoded, per partition ({@link #hold}), takes them into the
 * batch in time order across partitions ({@link #takeHeld}), dead-letters or skips those without points, hands full
 * or due batches to the {@link BatchWriter} (at most {@code maxInFlight} not yet written) and passes the offsets of
 * what is done to the {@link Commits}: a batch's offsets once the writer reports it written, in order; and those of
 * records taken since the last hand-over once nothing is in flight (they were all dead-lettered or skipped).
 *
 * <p>Time order: the earliest held reading goes next, waiting (at most a linger, at most {@code holdMax} records held)
 * for a partition that is behind its log end to deliver before later readings of the others are taken. Consumer
 * thread only.
 */
final class BatchMaker {
    /** A polled record and what it decoded to. */
    record Pending(ConsumerRecord<byte[], byte[]> record, Decoded decoded) {
    }

    private final MicroBatcher<ConsumerRecord<byte[], byte[]>> batch;
    /** Polled records, decoded, held per partition until taken into the batch in time order. */
    private final TimeAlignedQueues<TopicPartition, Pending> held = new TimeAlignedQueues<>();
    /** What the member holds at most across partitions before it stops waiting for time order. */
    private final int holdMax;
    private final int maxInFlight;
    private final long lingerMs;
    private final boolean unmatchedToDeadLetter;
    private final Clock clock;
    private final BatchWriter writes;
    private final Commits commits;
    private final DeadLetters deadLetters;
    /** Offsets after the records taken since the last hand-over. */
    private final Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();
    /** The partition of the run being taken and the offset after its last record taken (-1: none yet). */
    private TopicPartition runPartition;
    private long runNextOffset = -1;
    /** Batches handed to the writer and not yet reported written. */
    private int inFlight;
    /** Records taken (into the batch, dead-lettered or skipped). */
    final AtomicLong taken = new AtomicLong();
    /** Records no rule matched, skipped. */
    final AtomicLong skipped = new AtomicLong();

    BatchMaker(MicroBatcher<ConsumerRecord<byte[], byte[]>> batch, int holdMax, int maxInFlight, long lingerMs,
               boolean unmatchedToDeadLetter, Clock clock, BatchWriter writes, Commits commits,
               DeadLetters deadLetters) {
        this.batch = batch;
        this.holdMax = holdMax;
        this.maxInFlight = maxInFlight;
        this.lingerMs = lingerMs;
        this.unmatchedToDeadLetter = unmatchedToDeadLetter;
        this.clock = clock;
        this.writes = writes;
        this.commits = commits;
        this.deadLetters = deadLetters;
    }

    /** Holds a decoded record with the time of its first point (records without points go first). */
    void hold(TopicPartition tp, ConsumerRecord<byte[], byte[]> rec, Decoded decoded, long nowMillis) {
        long ts = decoded instanceof Decoded.Points ps && !ps.points().isEmpty()
                ? ps.points().get(0).time() : Long.MIN_VALUE;
        held.add(tp, new Pending(rec, decoded), ts, nowMillis);
    }

    int holdMax() {
        return holdMax;
    }

    /** Records held in all. */
    int held() {
        return held.size();
    }

    /** Records held of {@code tp}. */
    int held(TopicPartition tp) {
        return held.size(tp);
    }

    int inFlight() {
        return inFlight;
    }

    /** True when the writer has its hands full and the batch or the hold is, too: nothing to do but wait. */
    boolean writerFull() {
        return inFlight >= maxInFlight && (batch.isDue() || held.size() >= holdMax);
    }

    /**
     * Takes held records into the batch in time order, a partition's run at a time, until none may go yet, or the
     * writer cannot take the batch a record would overflow.
     */
    void takeHeld(Collection<TopicPartition> assigned, Predicate<TopicPartition> behindLogEnd) {
        boolean force = false;
        while (true) {
            TopicPartition tp = held.next(assigned, behindLogEnd, force || held.size() >= holdMax);
            if (tp == null) {
                long oldest = held.oldestArrivalMillis();
                if (force || oldest < 0 || clock.millis() - oldest < Math.max(1, lingerMs)) {
                    return;
                }
                force = true; // the longest-held record waited a linger: take what is held, in time order
                continue;
            }
            boolean refused = false;
            runPartition = tp;
            do { // the partition's run: its records up to the next of another partition in time
                Pending next = held.head(tp);
                if (!take(next)) {
                    refused = true; // the writer has its hands full: the record stays held
                    break;
                }
                held.removeHead(tp);
                taken.incrementAndGet();
                runNextOffset = next.record().offset() + 1;
            } while (held.runContinues(tp));
            endRun();
            if (refused) {
                return;
            }
        }
    }

    /** Hands a due batch over; once nothing is in flight, records taken since are done (dead-lettered, skipped). */
    void handOffAndSettle() {
        if (batch.isDue()) {
            handOff();
        }
        if (batch.isEmpty() && inFlight == 0) {
            takeUncommitted();
        }
    }

    /** Until the batch is due or the longest-held record has waited a linger, at most 200 ms. */
    long pollTimeoutMillis() {
        long timeout = batch.isEmpty() ? 200 : Math.min(200, batch.millisUntilDue());
        long oldest = held.oldestArrivalMillis();
        if (oldest >= 0) {
            timeout = Math.min(timeout, oldest + lingerMs - clock.millis());
        }
        return Math.max(1, timeout);
    }

    /** Passes the offsets of batches the writer reports written on, in order; waits up to {@code timeoutMs}. */
    void completeWrites(long timeoutMs) {
        try {
            BatchWriter.Job done = writes.pollDone(timeoutMs);
            while (done != null) {
                if (done.generation() == writes.generation()) {
                    inFlight--;
                    commits.done(done.offsets()); // jobs complete in order: later offsets replace earlier ones
                }
                done = writes.pollDone(0);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (writes.fatal() != null) {
            throw new IllegalStateException("fan-out writer failed", writes.fatal());
        }
    }

    /**
     * On close: hands over the last batch, waits for the writer (at most {@code writeTimeoutMs} per batch), passes
     * on the offsets of what it wrote.
     */
    void finish(long writeTimeoutMs) {
        if (!batch.isEmpty()) {
            BatchWriter.Job last = job();
            try {
                if (!writes.offer(last, writeTimeoutMs * maxInFlight)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            inFlight++;
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(
                writeTimeoutMs * (inFlight + 1L));
        writes.draining();
        while (inFlight > 0 && System.nanoTime() < deadline && writes.fatal() == null) {
            completeWrites(100);
        }
        if (inFlight == 0 && writes.fatal() == null) {
            takeUncommitted();
        }
    }

    /** Drops everything held, taken or in flight (the partitions were given up). */
    void drop() {
        batch.drain();
        held.clear();
        uncommitted.clear();
        runNextOffset = -1;
        inFlight = 0;
    }

    /** The run's records taken so far join the uncommitted offsets (one map entry per run, not per record). */
    private void endRun() {
        if (runNextOffset >= 0) {
            uncommitted.put(runPartition, new OffsetAndMetadata(runNextOffset));
            runNextOffset = -1;
        }
    }

    /** The batch and the offsets of every record taken since the last hand-over, as one job for the writer. */
    private BatchWriter.Job job() {
        endRun(); // a hand-over in the middle of a run: the records taken so far are in this batch
        boolean timeOrdered = batch.inTimeOrder();
        BatchWriter.Job j = new BatchWriter.Job(writes.generation(), batch.drain(), timeOrdered,
                Map.copyOf(uncommitted));
        uncommitted.clear();
        return j;
    }

    /** Hands the batch to the writer; false (batch kept) when {@code maxInFlight} are already in flight. */
    private boolean handOff() {
        if (batch.isEmpty()) {
            return true;
        }
        if (inFlight >= maxInFlight) {
            return false;
        }
        BatchWriter.Job j = job();
        if (!writes.offer(j)) {
            throw new IllegalStateException("writer queue full with " + inFlight + " batches in flight");
        }
        inFlight++;
        return true;
    }

    /**
     * Takes one held record into the batch (handing the batch over first if it would overflow); false when the
     * writer still has the previous batch.
     */
    private boolean take(Pending pending) {
        ConsumerRecord<byte[], byte[]> rec = pending.record();
        switch (pending.decoded()) {
            case Decoded.Failed f -> deadLetters.send(rec, f.reason(), f.message(), 0, null);
            case Decoded.Unmatched u -> {
                if (unmatchedToDeadLetter) {
                    deadLetters.send(rec, "unmatched", "no mapping rule matches the topic", 0, null);
                } else {
                    skipped.incrementAndGet();
                }
            }
            case Decoded.Points ps -> {
                List<Point> points = ps.points();
                for (int i = 0, n = points.size(); i < n; i++) { // by index: no iterator per record
                    Point p = points.get(i);
                    if (batch.wouldOverflow(p) && !handOff()) {
                        // the points of this record added so far stay in the batch; re-taking the record adds
                        // them again, which the TSDB collapses (same series, timestamp)
                        return false;
                    }
                    batch.add(rec, p);
                }
            }
        }
        return true;
    }

    /** Records taken since the last hand-over are all done (written, dead-lettered or skipped): their offsets too. */
    private void takeUncommitted() {
        endRun();
        commits.done(uncommitted);
        uncommitted.clear();
    }
}
