package io.sluice.mqtt.internal.outbound;

import io.sluice.delivery.DeliveryLog;
import java.util.TreeMap;

/**
 * Which delivery-log positions are finished. A message handed to the dispatcher at a position is finished once each
 * of its session copies is acknowledged, expired, dropped (and counted) or its session ended; the log is told the
 * lowest unfinished position (or the next one when none is open), so a restart re-reads from there.
 *
 * <p>Threading: thread-safe (one short lock); {@link DeliveryLog#commit} is called under it, so positions reach the
 * log in ascending order.
 */
public final class Positions {
    /** Marks a copy that came from no log position (a retained message served on SUBSCRIBE). */
    public static final long NONE = -1;

    private final DeliveryLog log;
    private final TreeMap<Long, int[]> open = new TreeMap<>();
    private long next;
    private long committed = -1;

    public Positions(DeliveryLog log) {
        this.log = log;
    }

    /** The message at {@code position} was dispatched as {@code copies} session copies (0: finished at once). */
    public synchronized void opened(long position, int copies) {
        next = Math.max(next, position + 1);
        if (copies > 0) {
            int[] left = open.computeIfAbsent(position, p -> new int[1]);
            left[0] += copies;
        }
        advance();
    }

    /** One copy of the message at {@code position} is finished. */
    public synchronized void finished(long position) {
        if (position == NONE) {
            return;
        }
        int[] left = open.get(position);
        if (left != null && --left[0] <= 0) {
            open.remove(position);
            advance();
        }
    }

    /** The lowest position not yet finished (what a restart re-reads from). */
    public synchronized long lowestUnfinished() {
        return open.isEmpty() ? next : open.firstKey();
    }

    /** Positions with copies still open. */
    public synchronized int openCount() {
        return open.size();
    }

    private void advance() {
        long low = open.isEmpty() ? next : open.firstKey();
        if (low > committed) {
            committed = low;
            if (log != null) {
                log.commit(low);
            }
        }
    }
}
