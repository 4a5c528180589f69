package io.sluice.sim;

import io.sluice.stack.KafkaRecords;
import java.time.Duration;

/**
 * Streams a whole topic (from the beginning to the end offsets at call time) through a {@link LossAudit}. Streams
 * rather than collects, so an audit of millions of records needs memory only for the bit sets.
 */
public final class Auditor {
    private Auditor() {
    }

    /** Blocking. Throws when the topic cannot be read to its end within {@code timeout}. */
    public static LossAudit.Result audit(String bootstrap, String topic, Ledger ledger, Duration timeout) {
        LossAudit audit = new LossAudit(ledger);
        KafkaRecords.forEach(bootstrap, topic, timeout, r -> audit.record(r.value()));
        return audit.result();
    }
}
