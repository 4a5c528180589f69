package io.sluice.sinks.downlink.internal;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * The commit rule of the downlink: which offset of each partition may be committed. Every record read takes a
 * {@link Slot}; the record is finished when the publish path made it durable or it was counted undecodable or
 * refused. It counts the records not finished and their bytes (for {@code max_pending_records} and
 * {@code max_pending_bytes}). The committable offset of a partition is its lowest unfinished offset, or the one after the last read when
 * all are finished, so a commit never passes a record that is not finished, whatever order the records finish in.
 *
 * <p>Threading: not thread-safe; the downlink's consumer thread only.
 */
final class PendingOffsets {
    /** One record read: its offset and whether it is finished. */
    static final class Slot {
        final TopicPartition partition;
        final long offset;
        /** The record's bytes as the pending bound counts them. */
        final long bytes;
        private final Track track;
        private boolean done;

        private Slot(TopicPartition partition, long offset, long bytes, Track track) {
            this.partition = partition;
            this.offset = offset;
            this.bytes = bytes;
            this.track = track;
        }

        boolean done() {
            return done;
        }
    }

    /** The records of one partition read since it was assigned, in offset order. */
    private static final class Track {
        final ArrayDeque<Slot> slots = new ArrayDeque<>();
        long first = -1;
        long nextRead = -1;
        long committed = -1;
        long sent = -1;
    }

    private final Map<TopicPartition, Track> tracks = new HashMap<>();
    private int pending;
    private long pendingBytes;

    /** A record of {@code partition} at {@code offset} is read (offsets of a partition arrive ascending). */
    Slot read(TopicPartition partition, long offset) {
        return read(partition, offset, 0);
    }

    /** As {@link #read(TopicPartition, long)}, for a record of {@code bytes} bytes. */
    Slot read(TopicPartition partition, long offset, long bytes) {
        Track t = tracks.computeIfAbsent(partition, p -> new Track());
        Slot s = new Slot(partition, offset, bytes, t);
        t.slots.addLast(s);
        if (t.first < 0) {
            t.first = offset;
        }
        t.nextRead = Math.max(t.nextRead, offset + 1);
        pending++;
        pendingBytes += bytes;
        return s;
    }

    /**
     * The offset of a record that needs no work (one that did not even deserialize): it counts as read and finished.
     */
    void skipped(TopicPartition partition, long offset) {
        finish(read(partition, offset));
    }

    /**
     * The record of {@code s} is finished; returns false when it was already, or its partition was dropped since (a
     * rebalance took it away: its outcome no longer decides a commit of this node).
     */
    boolean finish(Slot s) {
        if (s.done || tracks.get(s.partition) != s.track) {
            return false;
        }
        s.done = true;
        pending--;
        pendingBytes -= s.bytes;
        return true;
    }

    /** True while {@code s} still counts (not finished, its partition not dropped). */
    boolean live(Slot s) {
        return !s.done && tracks.get(s.partition) == s.track;
    }

    /** The offset a commit of {@code partition} may store now, -1 when nothing of it was read. */
    long committable(TopicPartition partition) {
        Track t = tracks.get(partition);
        if (t == null) {
            return -1;
        }
        while (!t.slots.isEmpty() && t.slots.peekFirst().done) {
            t.slots.pollFirst();
        }
        return t.slots.isEmpty() ? t.nextRead : t.slots.peekFirst().offset;
    }

    /** Committable offsets beyond what was last sent for commit, per partition of {@code partitions} (all when null). */
    Map<TopicPartition, Long> due(Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> out = new HashMap<>();
        for (TopicPartition p : partitions == null ? tracks.keySet() : partitions) {
            Track t = tracks.get(p);
            long c = committable(p);
            // nothing to store before the first record read is finished: reading started there already
            if (t != null && c > t.first && c > t.sent && c > t.committed) {
                out.put(p, c);
            }
        }
        return out;
    }

    /** A commit of these offsets was sent (not answered yet). */
    void sent(Map<TopicPartition, Long> offsets) {
        offsets.forEach((p, o) -> {
            Track t = tracks.get(p);
            if (t != null) {
                t.sent = Math.max(t.sent, o);
            }
        });
    }

    /** Kafka acknowledged a commit of these offsets ({@code ok}), or refused it (sent again at the next chance). */
    void answered(Map<TopicPartition, Long> offsets, boolean ok) {
        offsets.forEach((p, o) -> {
            Track t = tracks.get(p);
            if (t == null) {
                return;
            }
            if (ok) {
                t.committed = Math.max(t.committed, o);
            } else {
                t.sent = t.committed;
            }
        });
    }

    /** The partitions were taken away (revoked or lost): their records no longer count. */
    void drop(Collection<TopicPartition> partitions) {
        for (TopicPartition p : partitions) {
            Track t = tracks.remove(p);
            if (t != null) {
                for (Slot s : t.slots) {
                    if (!s.done) {
                        pending--;
                        pendingBytes -= s.bytes;
                    }
                }
            }
        }
    }

    /** Records read and not finished, across partitions. */
    int pending() {
        return pending;
    }

    /** Bytes of the records read and not finished, across partitions. */
    long pendingBytes() {
        return pendingBytes;
    }

    /** Records read whose offsets are not committed yet (acknowledged by Kafka), across partitions. */
    long uncommitted() {
        long n = 0;
        for (Track t : tracks.values()) {
            if (t.nextRead >= 0) {
                n += Math.max(0, t.nextRead - Math.max(t.committed, t.first));
            }
        }
        return n;
    }
}
