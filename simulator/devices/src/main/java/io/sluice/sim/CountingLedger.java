package io.sluice.sim;

import java.util.concurrent.atomic.LongAdder;

/** The counts every {@link Ledger} keeps beside its bit sets. Thread-safe. */
abstract class CountingLedger implements Ledger {
    private final LongAdder sentCount = new LongAdder();
    private final LongAdder ackedCount = new LongAdder();

    /** Counts one message sent. */
    protected final void countSent() {
        sentCount.increment();
    }

    /** Counts one message acknowledged for the first time. */
    protected final void countAcked() {
        ackedCount.increment();
    }

    @Override
    public final long sentCount() {
        return sentCount.sum();
    }

    @Override
    public final long ackedCount() {
        return ackedCount.sum();
    }
}
