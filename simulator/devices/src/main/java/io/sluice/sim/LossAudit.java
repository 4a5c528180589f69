package io.sluice.sim;

/**
 * Proves that every acknowledged message is in the log. Feed it every record read from the topic, then ask for
 * the {@link Result}: missing (acknowledged but absent: a broken promise), duplicated (present more than once:
 * allowed by at-least-once), unacknowledged-but-present (written, but the PUBACK never reached the device), and
 * for transports that acknowledge nothing, sent-but-absent. Works with any {@link Ledger}.
 */
public final class LossAudit {
    private final Ledger ledger;
    private final Ledger.Presence presence;
    private long records;
    private long foreign;
    private long duplicates;
    private long unackedPresent;

    public LossAudit(Ledger ledger) {
        this.ledger = ledger;
        this.presence = ledger.presence();
    }

    /** Accounts for one record's payload as read from the log. Not thread-safe: one reader feeds it. */
    public void record(byte[] payload) {
        records++;
        Reading.MessageId id = Reading.parse(payload);
        switch (id == null ? Ledger.Found.FOREIGN : presence.found(id)) {
            case FOREIGN -> foreign++;
            case DUPLICATE -> duplicates++;
            case UNACKED -> unackedPresent++;
            case ACKED -> {
            }
        }
    }

    public Result result() {
        return new Result(ledger.ackedCount(), records, foreign, presence.missing(), duplicates, unackedPresent,
                ledger.sentCount(), presence.absent());
    }

    /**
     * @param acknowledged   messages the devices saw acknowledged
     * @param records        records read from the log
     * @param foreign        records that were not this ledger's messages
     * @param missing        acknowledged but not in the log: must be 0
     * @param duplicates     extra copies of a message (at-least-once allows them)
     * @param unackedPresent in the log although the device never saw the acknowledgement
     * @param sent           messages the devices sent
     * @param absent         sent (acknowledged or not) but not in the log
     */
    public record Result(long acknowledged, long records, long foreign, long missing, long duplicates,
                         long unackedPresent, long sent, long absent) {
        public boolean passed() {
            return missing == 0;
        }

        /** Sent messages found in the log. */
        public long present() {
            return sent - absent;
        }

        @Override
        public String toString() {
            return String.format("loss audit %s: %d acknowledged, %d records read, %d missing, %d duplicates,"
                            + " %d present but unacknowledged%s", passed() ? "PASSED" : "FAILED", acknowledged,
                    records, missing, duplicates, unackedPresent, foreign > 0 ? ", " + foreign + " foreign" : "");
        }

        /**
         * The audit of a run whose transport acknowledged nothing (plain UDP, QoS 0): only what is present can be
         * told, never that nothing was lost.
         */
        public String presenceSummary() {
            return String.format("presence audit (nothing was acknowledged, so it cannot show that nothing was lost):"
                            + " %d sent, %d present, %d absent, %d duplicates, %d records read%s", sent, present(),
                    absent, duplicates, records, foreign > 0 ? ", " + foreign + " foreign" : "");
        }
    }
}
