package io.sluice.sinks.fanout;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Records held per partition, handed out in time order across partitions, so that what the fan-out writes is one
 * time-ordered stream even though it reads several partitions that stand at different points in time. A TSDB takes
 * rows older than what it already has far more dearly (QuestDB merges them into written partitions); a consumer
 * that writes partitions as they happen to arrive sends such rows in every batch.
 *
 * <p>Within a partition, records leave in the order they arrived (log order is kept). Across partitions, the next
 * record is the head with the smallest timestamp, unless a partition that has nothing queued may still deliver
 * something earlier (it is behind its log end and the last timestamp it delivered is below that head): then the
 * caller should read more first. {@code force} overrides that wait, so the caller can bound how long and how much it
 * holds. After {@link #next}, {@link #runContinues} says whether that partition's new head may leave too without
 * looking again (a run: its records up to the next head of another partition), so the choice costs once per run
 * rather than once per record. Not thread-safe: owned by the consumer thread.
 *
 * @param <P> partition
 * @param <T> what is held (a record and its decoded points)
 */
public final class TimeAlignedQueues<P, T> {
    private record Held<T>(T item, long ts, long arrivedMillis) {
    }

    /** One partition's queue and the largest timestamp it delivered so far (its next records are not earlier). */
    private static final class Lane<P, T> {
        final P partition;
        final ArrayDeque<Held<T>> queue = new ArrayDeque<>();
        long lastSeen = Long.MIN_VALUE;

        Lane(P partition) {
            this.partition = partition;
        }
    }

    private final Map<P, Lane<P, T>> byPartition = new HashMap<>();
    private final List<Lane<P, T>> lanes = new ArrayList<>();
    private int size;
    /** The partition {@link #next} chose and how late its records may be to leave without looking again. */
    private Lane<P, T> run;
    private long runLimit;

    /** Holds {@code item} of {@code partition}, with its timestamp ({@link Long#MIN_VALUE}: leaves first). */
    public void add(P partition, T item, long ts, long nowMillis) {
        Lane<P, T> lane = byPartition.get(partition);
        if (lane == null) {
            lane = new Lane<>(partition);
            byPartition.put(partition, lane);
            lanes.add(lane);
        }
        lane.queue.add(new Held<>(item, ts, nowMillis));
        if (ts > lane.lastSeen) {
            lane.lastSeen = ts;
        }
        size++;
    }

    /**
     * The partition whose head leaves next, or null: nothing is held, or (unless {@code force}) an assigned partition
     * with nothing queued that {@code mayDeliverMore} says is behind its log end delivered nothing yet as late as
     * that head.
     */
    public P next(Collection<P> assigned, Predicate<P> mayDeliverMore, boolean force) {
        run = null;
        Lane<P, T> best = null;
        long bestTs = 0;
        long secondTs = Long.MAX_VALUE;
        for (int i = 0; i < lanes.size(); i++) {
            Lane<P, T> lane = lanes.get(i);
            Held<T> h = lane.queue.peek();
            if (h == null) {
                continue;
            }
            if (best == null || h.ts < bestTs) {
                if (best != null) {
                    secondTs = bestTs;
                }
                best = lane;
                bestTs = h.ts;
            } else if (h.ts < secondTs) {
                secondTs = h.ts;
            }
        }
        if (best == null) {
            return null;
        }
        long limit = bestTs == Long.MIN_VALUE ? Long.MIN_VALUE : secondTs;
        if (!force && bestTs != Long.MIN_VALUE) {
            for (P p : assigned) {
                Lane<P, T> lane = byPartition.get(p);
                long lastSeen = lane == null ? Long.MIN_VALUE : lane.lastSeen;
                if ((lane == null || lane.queue.isEmpty()) && lastSeen < limit && mayDeliverMore.test(p)) {
                    if (lastSeen < bestTs) {
                        return null;
                    }
                    limit = lastSeen; // it may still deliver records later than this
                }
            }
        }
        run = best;
        runLimit = limit;
        return best.partition;
    }

    /**
     * After {@link #next} chose {@code partition} and its head was removed: true when its new head may leave as well,
     * with no other partition's record before it (as {@link #next} would answer, with the same {@code force}).
     */
    public boolean runContinues(P partition) {
        if (run == null || run.partition != partition) {
            return false;
        }
        Held<T> h = run.queue.peek();
        return h != null && h.ts <= runLimit;
    }

    public T head(P partition) {
        Lane<P, T> lane = byPartition.get(partition);
        Held<T> h = lane == null ? null : lane.queue.peek();
        return h == null ? null : h.item;
    }

    public T removeHead(P partition) {
        Held<T> h = byPartition.get(partition).queue.remove();
        size--;
        return h.item;
    }

    /** When the longest-held record arrived, or -1 when nothing is held. */
    public long oldestArrivalMillis() {
        long oldest = -1;
        for (int i = 0; i < lanes.size(); i++) {
            Held<T> h = lanes.get(i).queue.peek();
            if (h != null && (oldest < 0 || h.arrivedMillis < oldest)) {
                oldest = h.arrivedMillis;
            }
        }
        return oldest;
    }

    public int size() {
        return size;
    }

    public int size(P partition) {
        Lane<P, T> lane = byPartition.get(partition);
        return lane == null ? 0 : lane.queue.size();
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Drops everything (a rebalance: the next owner re-reads from the committed offsets). */
    public void clear() {
        byPartition.clear();
        lanes.clear();
        run = null;
        size = 0;
    }
}
