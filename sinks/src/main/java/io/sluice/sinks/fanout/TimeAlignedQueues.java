package io.sluice.sinks.fanout;

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
    /**
     * One partition's queue, a ring of parallel arrays (item, timestamp, arrival) so that holding a record allocates
     * nothing, and the largest timestamp it delivered so far (its next records are not earlier).
     */
    private static final class Lane<P, T> {
        final P partition;
        private Object[] items = new Object[64];
        private long[] times = new long[64];
        private long[] arrivals = new long[64];
        private int first;
        private int count;
        long lastSeen = Long.MIN_VALUE;

        Lane(P partition) {
            this.partition = partition;
        }

        void add(T item, long ts, long arrivedMillis) {
            if (count == items.length) {
                grow();
            }
            int i = (first + count) & (items.length - 1);
            items[i] = item;
            times[i] = ts;
            arrivals[i] = arrivedMillis;
            count++;
        }

        /** Doubles the ring (its length stays a power of two), oldest first. */
        private void grow() {
            int n = items.length;
            Object[] it = new Object[n * 2];
            long[] ti = new long[n * 2];
            long[] ar = new long[n * 2];
            for (int k = 0; k < count; k++) {
                int i = (first + k) & (n - 1);
                it[k] = items[i];
                ti[k] = times[i];
                ar[k] = arrivals[i];
            }
            items = it;
            times = ti;
            arrivals = ar;
            first = 0;
        }

        boolean isEmpty() {
            return count == 0;
        }

        long headTime() {
            return times[first];
        }

        long headArrival() {
            return arrivals[first];
        }

        @SuppressWarnings("unchecked")
        T headItem() {
            return count == 0 ? null : (T) items[first];
        }

        T remove() {
            if (count == 0) {
                throw new java.util.NoSuchElementException("nothing held for " + partition);
            }
            T item = headItem();
            items[first] = null;
            first = (first + 1) & (items.length - 1);
            count--;
            return item;
        }
    }

    private final Map<P, Lane<P, T>> byPartition = new HashMap<>();
    private final List<Lane<P, T>> lanes = new ArrayList<>();
    private int size;
    /** The partition {@link #next} chose and how late its records may be to leave without looking again. */
    private Lane<P, T> run;
    private long runLimit;
    /** The lane of the last {@link #add} (a poll's records come a partition at a time): no lookup per record. */
    private Lane<P, T> lastAdded;

    /** The lane of {@code partition}, made on first use. */
    private Lane<P, T> lane(P partition) {
        Lane<P, T> lane = byPartition.get(partition);
        if (lane == null) {
            lane = new Lane<>(partition);
            byPartition.put(partition, lane);
            lanes.add(lane);
        }
        return lane;
    }

    /** The lane of {@code partition} if it has one; the lane of the current run without a lookup. */
    private Lane<P, T> existing(P partition) {
        return run != null && run.partition == partition ? run : byPartition.get(partition);
    }

    /** Holds {@code item} of {@code partition}, with its timestamp ({@link Long#MIN_VALUE}: leaves first). */
    public void add(P partition, T item, long ts, long nowMillis) {
        Lane<P, T> lane = lastAdded != null && lastAdded.partition == partition ? lastAdded : lane(partition);
        lastAdded = lane;
        lane.add(item, ts, nowMillis);
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
            if (lane.isEmpty()) {
                continue;
            }
            long ts = lane.headTime();
            if (best == null || ts < bestTs) {
                if (best != null) {
                    secondTs = bestTs;
                }
                best = lane;
                bestTs = ts;
            } else if (ts < secondTs) {
                secondTs = ts;
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
                if ((lane == null || lane.isEmpty()) && lastSeen < limit && mayDeliverMore.test(p)) {
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
        return !run.isEmpty() && run.headTime() <= runLimit;
    }

    public T head(P partition) {
        Lane<P, T> lane = existing(partition);
        return lane == null ? null : lane.headItem();
    }

    public T removeHead(P partition) {
        Lane<P, T> lane = existing(partition);
        if (lane == null) {
            throw new java.util.NoSuchElementException("nothing held for " + partition);
        }
        T item = lane.remove();
        size--;
        return item;
    }

    /** When the longest-held record arrived, or -1 when nothing is held. */
    public long oldestArrivalMillis() {
        long oldest = -1;
        for (int i = 0; i < lanes.size(); i++) {
            Lane<P, T> lane = lanes.get(i);
            if (!lane.isEmpty() && (oldest < 0 || lane.headArrival() < oldest)) {
                oldest = lane.headArrival();
            }
        }
        return oldest;
    }

    public int size() {
        return size;
    }

    public int size(P partition) {
        Lane<P, T> lane = existing(partition);
        return lane == null ? 0 : lane.count;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Drops everything (a rebalance: the next owner re-reads from the committed offsets). */
    public void clear() {
        byPartition.clear();
        lanes.clear();
        run = null;
        lastAdded = null;
        size = 0;
    }
}
