package io.sluice.sinks.fanout;

import io.sluice.sinks.Point;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects points until a batch is due: {@code maxPoints} points, {@code maxBytes} bytes of line protocol, or
 * {@code linger} since the first point, whichever comes first. Each point carries the source it came from
 * ({@code S}, e.g. a Kafka record) so the writer's outcome can be traced back. Not thread-safe: owned by one
 * consumer thread. Memory is bounded by the caller flushing whenever {@link #isFull()} or {@link #isDue()} holds.
 */
public final class MicroBatcher<S> {
    /** One point and the record it came from. */
    public record Entry<S>(S source, Point point) {
    }

    private final int maxPoints;
    private final long maxBytes;
    private final long lingerMillis;
    private final Clock clock;
    private List<Entry<S>> entries;
    private long bytes;
    private long firstAtMillis;
    private long lastTime;
    private boolean timeOrdered = true;

    public MicroBatcher(int maxPoints, long maxBytes, long lingerMillis, Clock clock) {
        if (maxPoints < 1 || maxBytes < 1 || lingerMillis < 0) {
            throw new IllegalArgumentException("batch bounds must be positive");
        }
        this.maxPoints = maxPoints;
        this.maxBytes = maxBytes;
        this.lingerMillis = lingerMillis;
        this.clock = clock;
        this.entries = emptyBatch();
    }

    /** True when adding {@code p} would exceed a bound: flush first. An empty batch always fits. */
    public boolean wouldOverflow(Point p) {
        return !entries.isEmpty() && (entries.size() + 1 > maxPoints || bytes + p.size() > maxBytes);
    }

    public void add(S source, Point p) {
        if (entries.isEmpty()) {
            firstAtMillis = clock.millis();
            timeOrdered = true;
        } else if (p.time() < lastTime) {
            timeOrdered = false;
        }
        lastTime = p.time();
        entries.add(new Entry<>(source, p));
        bytes += p.size();
    }

    public boolean isFull() {
        return entries.size() >= maxPoints || bytes >= maxBytes;
    }

    /** True when the batch is non-empty and full or its first point has waited {@code linger}. */
    public boolean isDue() {
        return !entries.isEmpty() && (isFull() || clock.millis() - firstAtMillis >= lingerMillis);
    }

    /** Millis until the linger deadline (0 when due, {@code linger} when empty), for the poll timeout. */
    public long millisUntilDue() {
        if (entries.isEmpty()) {
            return lingerMillis;
        }
        return isFull() ? 0 : Math.max(0, firstAtMillis + lingerMillis - clock.millis());
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public int size() {
        return entries.size();
    }

    public long bytes() {
        return bytes;
    }

    /** True when the points were added in time order (none earlier than the one before it), e.g. not to sort them. */
    public boolean inTimeOrder() {
        return timeOrdered;
    }

    /** A list sized for a full batch (up to 8,192 points), so it does not regrow while it fills. */
    private List<Entry<S>> emptyBatch() {
        return new ArrayList<>(Math.min(maxPoints, 8192));
    }

    /** Hands the batch over and starts an empty one. */
    public List<Entry<S>> drain() {
        List<Entry<S>> out = entries;
        entries = emptyBatch();
        bytes = 0;
        return out;
    }
}
