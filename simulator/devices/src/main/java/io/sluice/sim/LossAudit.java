package io.sluice.sim;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Proves that every acknowledged message is in the log. Feed it every record read from the topic, then ask for
 * the {@link Result}: missing (acknowledged but absent: a broken promise), duplicated (present more than once:
 * allowed by at-least-once), unacknowledged-but-present (written, but the PUBACK never reached the device).
 */
public final class LossAudit {
    private final AckLedger ledger;
    private final Map<String, BitSet> seen = new HashMap<>();
    private long records;
    private long foreign;
    private long duplicates;
    private long unackedPresent;

    public LossAudit(AckLedger ledger) {
        this.ledger = ledger;
    }

    /** Accounts for one record's payload as read from the log. Not thread-safe: one reader feeds it. */
    public void record(byte[] payload) {
        records++;
        Reading.MessageId id = Reading.parse(payload);
        if (id == null) {
            foreign++;
            return;
        }
        BitSet b = seen.computeIfAbsent(id.device(), d -> new BitSet());
        if (b.get((int) id.seq())) {
            duplicates++;
            return;
        }
        b.set((int) id.seq());
        if (!ledger.isAcked(id.device(), id.seq())) {
            unackedPresent++;
        }
    }

    public Result result() {
        long missing = 0;
        for (Map.Entry<String, BitSet> e : ledger.ackedByDevice().entrySet()) {
            BitSet acked;
            synchronized (e.getValue()) {
                acked = (BitSet) e.getValue().clone();
            }
            BitSet present = seen.get(e.getKey());
            if (present != null) {
                acked.andNot(present);
            }
            missing += acked.cardinality();
        }
        return new Result(ledger.ackedCount(), records, foreign, missing, duplicates, unackedPresent);
    }

    /**
     * @param acknowledged   messages the devices saw acknowledged
     * @param records        records read from the log
     * @param foreign        records that were not simulator readings
     * @param missing        acknowledged but not in the log: must be 0
     * @param duplicates     extra copies of a message (at-least-once allows them)
     * @param unackedPresent in the log although the device never saw the acknowledgement
     */
    public record Result(long acknowledged, long records, long foreign, long missing, long duplicates,
                         long unackedPresent) {
        public boolean passed() {
            return missing == 0;
        }

        @Override
        public String toString() {
            return String.format("loss audit %s: %d acknowledged, %d records read, %d missing, %d duplicates,"
                            + " %d present but unacknowledged%s", passed() ? "PASSED" : "FAILED", acknowledged,
                    records, missing, duplicates, unackedPresent, foreign > 0 ? ", " + foreign + " foreign" : "");
        }
    }
}
