package io.sluice.mqtt.internal.outbound;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outbound QoS 2 bookkeeping of one persistent session across restarts of the node: what its
 * {@link InflightRecord} said at start-up and what the next record must say.
 *
 * <p>After a restart the dispatcher reads the delivery partition again from the stored position, in log order. A
 * QoS 2 copy for this session at a position the record lists is resumed: it keeps the recorded packet id and is
 * resent with DUP=1, or as PUBREL when the client's PUBREC had come. One below {@code doneBefore} and not listed was
 * finished before the restart and is not sent again. A recorded packet id is given to no other copy until its own
 * copy is taken for sending, finished, or its position has passed without it (then it can no longer come).
 *
 * <p>Threading: not thread-safe; guarded by the lock of the {@link SessionQueue} that owns it.
 */
final class Qos2Resume {
    /** What {@link #offered} made of a copy. */
    enum Offer { NEW, RESUMED, FINISHED }

    /** Recorded entries whose copy has not come up again since the restart (log order). */
    private final List<InflightRecord.Entry> restored;
    /**
     * Recorded entries whose message passed without a copy for this session (given to another member of a shared
     * subscription, expired, no longer subscribed): the client may still hold their packet ids, so each gets a PUBREL
     * (answered PUBCOMP whatever the client holds) before its id is given to another copy.
     */
    private final List<InflightRecord.Entry> lapsed = new ArrayList<>();
    /** Resumed copies waiting in the queue, by their recorded packet id. */
    private final Map<Integer, Copy> reserved = new LinkedHashMap<>();
    /** The record's finished-below position at start-up: no copy below it can be new in this run. */
    private final long loadedDoneBefore;

    Qos2Resume(InflightRecord loaded) {
        this.restored = new ArrayList<>(loaded == null ? List.of() : loaded.entries());
        this.loadedDoneBefore = loaded == null ? 0 : loaded.doneBefore();
    }

    /** A copy of the message at {@code c.position} arrives for this session (positions ascend). */
    Offer offered(Copy c) {
        if (c.position == Positions.NONE) {
            return Offer.NEW;
        }
        InflightRecord.Entry match = null;
        for (Iterator<InflightRecord.Entry> it = restored.iterator(); it.hasNext(); ) {
            InflightRecord.Entry e = it.next();
            if (e.position() < c.position) {
                it.remove(); // its message has passed without a copy for this session: it cannot come any more
                lapsed.add(e);
            } else if (e.position() == c.position) {
                it.remove();
                if (c.qos == 2) {
                    match = e;
                } else {
                    lapsed.add(e);
                }
            }
        }
        if (match != null) {
            c.packetId = match.packetId();
            c.sent = true;
            c.released = match.released();
            c.recorded = true;
            reserved.put(c.packetId, c);
            return Offer.RESUMED;
        }
        return c.qos == 2 && c.position < loadedDoneBefore ? Offer.FINISHED : Offer.NEW;
    }

    /** True while {@code packetId} belongs to a recorded copy that is not in flight. */
    boolean holds(int packetId) {
        if (reserved.containsKey(packetId)) {
            return true;
        }
        for (InflightRecord.Entry e : restored) {
            if (e.packetId() == packetId) {
                return true;
            }
        }
        for (InflightRecord.Entry e : lapsed) {
            if (e.packetId() == packetId) {
                return true;
            }
        }
        return false;
    }

    /** The packet ids of lapsed entries, now to be sent a PUBREL; they are free once it is written. */
    List<Integer> takeLapsed() {
        if (lapsed.isEmpty()) {
            return List.of();
        }
        List<Integer> ids = lapsed.stream().map(InflightRecord.Entry::packetId).toList();
        lapsed.clear();
        return ids;
    }

    /** {@code c} left the queue (taken for sending, which puts it in flight under its id, or finished). */
    void left(Copy c) {
        if (c.packetId != 0) {
            reserved.remove(c.packetId, c);
        }
    }

    /** The session ended. */
    void clear() {
        restored.clear();
        lapsed.clear();
        reserved.clear();
    }

    /**
     * What the session's record is to say now: every QoS 2 copy sent and not finished ({@code inflight}, the resends
     * heading {@code pending}, resumed copies waiting), the recorded entries not come up yet, and the position below
     * which every other QoS 2 copy of the session is finished ({@code highestOffered}: the highest position offered
     * to the session since start-up, -1 for none). A copy whose PUBREC is being recorded is listed as released.
     */
    InflightRecord snapshot(String nodeId, Collection<Copy> inflight, Collection<Copy> pending, long highestOffered) {
        Map<Integer, InflightRecord.Entry> entries = new LinkedHashMap<>();
        long low = Long.MAX_VALUE; // the lowest position of a QoS 2 copy neither listed nor finished
        for (Copy c : inflight) {
            if (!add(entries, c) && c.qos == 2 && c.position != Positions.NONE) {
                low = Math.min(low, c.position); // taken, its record's write failed: not sent
            }
        }
        for (Copy c : pending) {
            if (add(entries, c) || c.position == Positions.NONE) {
                continue;
            }
            if (c.qos == 2 || c.packetId == 0) {
                low = Math.min(low, c.position);
            }
            if (c.packetId == 0) {
                break; // the first copy never taken: pending is in log order after the resends
            }
        }
        for (Copy c : reserved.values()) {
            add(entries, c);
        }
        for (InflightRecord.Entry e : restored) {
            entries.putIfAbsent(e.packetId(), e);
        }
        for (InflightRecord.Entry e : lapsed) {
            entries.putIfAbsent(e.packetId(), e); // until their PUBREL is written
        }
        long done = low != Long.MAX_VALUE ? low : highestOffered + 1;
        // below the loaded bound only resumed copies exist in this run, and they stay listed until finished
        return new InflightRecord(nodeId, Math.max(loadedDoneBefore, done), new ArrayList<>(entries.values()));
    }

    /** Lists {@code c} when it is a QoS 2 copy from the log that was sent (or is about to be); true if listed. */
    private static boolean add(Map<Integer, InflightRecord.Entry> entries, Copy c) {
        if (c.qos == 2 && c.packetId != 0 && c.sent && c.position != Positions.NONE) {
            entries.put(c.packetId, new InflightRecord.Entry(c.position, c.packetId, c.released || c.releasing));
            return true;
        }
        return false;
    }
}
