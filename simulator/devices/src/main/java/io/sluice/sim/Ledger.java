package io.sluice.sim;

/**
 * What simulated devices know about their own messages: which were sent and which were acknowledged. The loss
 * audit ({@link LossAudit}) holds it against what the log holds, through a {@link Presence} the ledger makes.
 * Implementations are thread-safe for the devices' threads; a {@link Presence} is fed by one reader.
 */
public interface Ledger {
    /** Messages the devices sent. */
    long sentCount();

    /** Messages the devices saw acknowledged. */
    long ackedCount();

    /** A fresh, empty record of which of this ledger's messages the log holds. */
    Presence presence();

    /** Which of a ledger's messages were found in the log. Not thread-safe: one reader feeds it. */
    interface Presence {
        /** Accounts for one message found in the log. */
        Found found(Reading.MessageId id);

        /** Acknowledged messages never found: each one is a broken promise. */
        long missing();

        /** Sent messages (acknowledged or not) never found. */
        long absent();
    }

    /** What one message found in the log is, to the ledger. */
    enum Found {
        /** not one of this ledger's messages (another run, another producer) */
        FOREIGN,
        /** first copy of an acknowledged message */
        ACKED,
        /** first copy of a message the device never saw acknowledged */
        UNACKED,
        /** a further copy of a message already found */
        DUPLICATE
    }
}
