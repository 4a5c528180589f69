package io.sluice.sim;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the devices know, device by device: which (device, seq) were sent and which were acknowledged by PUBACK.
 * Sequence numbers are dense per device (0..n-1), so a bit set per device keeps millions of ids compact; for
 * millions of devices see {@link FleetLedger}, which is indexed by device number instead of keyed by name.
 * Thread-safe.
 */
public final class AckLedger extends CountingLedger {
    private final Map<String, BitSet> sent = new ConcurrentHashMap<>();
    private final Map<String, BitSet> acked = new ConcurrentHashMap<>();

    public void sent(String device, long seq) {
        mark(sent, device, seq);
        countSent();
    }

    public void acked(String device, long seq) {
        if (mark(acked, device, seq)) {
            countAcked();
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

    @Override
    public Presence presence() {
        return new DevicePresence();
    }

    private static boolean mark(Map<String, BitSet> map, String device, long seq) {
        BitSet b = map.computeIfAbsent(device, d -> new BitSet());
        synchronized (b) {
            boolean was = b.get((int) seq);
            b.set((int) seq);
            return !was;
        }
    }

    /** Found messages as a bit set per device name. Payloads that name no device (binary records) are foreign. */
    private final class DevicePresence implements Presence {
        private final Map<String, BitSet> seen = new HashMap<>();

        @Override
        public Found found(Reading.MessageId id) {
            if (id.device() == null) {
                return Found.FOREIGN;
            }
            BitSet b = seen.computeIfAbsent(id.device(), d -> new BitSet());
            if (b.get((int) id.seq())) {
                return Found.DUPLICATE;
            }
            b.set((int) id.seq());
            return isAcked(id.device(), id.seq()) ? Found.ACKED : Found.UNACKED;
        }

        @Override
        public long missing() {
            return notSeen(acked);
        }

        @Override
        public long absent() {
            return notSeen(sent);
        }

        private long notSeen(Map<String, BitSet> ledger) {
            long n = 0;
            for (Map.Entry<String, BitSet> e : ledger.entrySet()) {
                BitSet expected;
                synchronized (e.getValue()) {
                    expected = (BitSet) e.getValue().clone();
                }
                BitSet present = seen.get(e.getKey());
                if (present != null) {
                    expected.andNot(present);
                }
                n += expected.cardinality();
            }
            return n;
        }
    }
}
