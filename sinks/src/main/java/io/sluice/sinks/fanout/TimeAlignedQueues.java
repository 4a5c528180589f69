package io.sluice.sinks.fanout;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
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
 * holds. Not thread-safe: owned by the consumer thread.
 *
 * @param <P> partition
 * @param <T> what is held (a record and its decoded points)
 */
public final class TimeAlignedQueues<P, T> {
    private record Held<T>(T item, long ts, long arrivedMillis) {
    }

    private final Map<P, ArrayDeque<Held<T>>> queues = new HashMap<>();
    /** The largest timestamp each partition delivered so far (its next records are at least this late). */
    private final Map<P, Long> lastSeen = new HashMap<>();
    private int size;

    /** Holds {@code item} of {@code partition}, with its timestamp ({@link Long#MIN_VALUE}: leaves first). */
    public void add(P partition, T item, long ts, long nowMillis) {
        queues.computeIfAbsent(partition, p -> new ArrayDeque<>()).add(new Held<>(item, ts, nowMillis));
        lastSeen.merge(partition, ts, Math::max);
        size++;
    }

    /**
     * The partition whose head leaves next, or null: nothing is held, or (unless {@code force}) an assigned partition
     * with nothing queued that {@code mayDeliverMore} says is behind its log end delivered nothing yet as late as
     * that head.
     */
    public P next(Collection<P> assigned, Predicate<P> mayDeliverMore, boolean force) {
        P best = null;
        long bestTs = 0;
        for (Map.Entry<P, ArrayDeque<Held<T>>> e : queues.entrySet()) {
            Held<T> h = e.getValue().peek();
            if (h != null && (best == null || h.ts < bestTs)) {
                best = e.getKey();
                bestTs = h.ts;
            }
        }
        if (best == null || force || bestTs == Long.MIN_VALUE) {
            return best;
        }
        for (P p : assigned) {
            ArrayDeque<Held<T>> q = queues.get(p);
            if ((q == null || q.isEmpty()) && lastSeen.getOrDefault(p, Long.MIN_VALUE) < bestTs
                    && mayDeliverMore.test(p)) {
                return null;
            }
        }
        return best;
    }

    public T head(P partition) {
        ArrayDeque<Held<T>> q = queues.get(partition);
        Held<T> h = q == null ? null : q.peek();
        return h == null ? null : h.item;
    }

    public T removeHead(P partition) {
        Held<T> h = queues.get(partition).remove();
        size--;
        return h.item;
    }

    /** When the longest-held record arrived, or -1 when nothing is held. */
    public long oldestArrivalMillis() {
        long oldest = -1;
        for (ArrayDeque<Held<T>> q : queues.values()) {
            Held<T> h = q.peek();
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
        ArrayDeque<Held<T>> q = queues.get(partition);
        return q == null ? 0 : q.size();
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Drops everything (a rebalance: the next owner re-reads from the committed offsets). */
    public void clear() {
        queues.clear();
        lastSeen.clear();
        size = 0;
    }
}
