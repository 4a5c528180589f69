package io.sluice.sim;

import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the devices know: which (device, seq) were sent and which were acknowledged by PUBACK. Sequence numbers
 * are dense per device (0..n-1), so a bit set per device keeps millions of ids compact. Thread-safe.
 */
public final class AckLedger {
    private final Map<String, BitSet> sent = new ConcurrentHashMap<>();
    private final Map<String, BitSet> acked = new ConcurrentHashMap<>();
    private final LongAdder sentCount = new LongAdder();
    private final LongAdder ackedCount = new LongAdder();

    public void sent(String device, long seq) {
        mark(sent, device, seq);
        sentCount.increment();
    }

    public void acked(String device, long seq) {
        if (mark(acked, device, seq)) {
            ackedCount.increment();
        }
    }

    public boolean isAcked(String device, long seq) {
        BitSet b = acked.get(device);
        if (b == null) {
            return false;
        }
        synchronized (b) {
            return b.get((int) seq);
        }
    }

    public long sentCount() {
        return sentCount.sum();
    }

    public long ackedCount() {
        return ackedCount.sum();
    }

    /** Every acknowledged id, device by device (for the audit). */
    Map<String, BitSet> ackedByDevice() {
        return acked;
    }

    private static boolean mark(Map<String, BitSet> map, String device, long seq) {
        BitSet b = map.computeIfAbsent(device, d -> new BitSet());
        synchronized (b) {
            boolean was = b.get((int) seq);
            b.set((int) seq);
            return !was;
        }
    }
}
