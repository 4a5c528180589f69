package io.sluice.sim;

import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code --audit-bootstrap} and {@code --audit-topic}: read the readings topic back against a {@link Ledger}. */
final class AuditOptions {
    @Option(names = "--audit-bootstrap", description = "Kafka bootstrap servers to audit the readings topic at")
    String bootstrap;

    @Option(names = "--audit-topic", description = "readings topic to audit (default ${DEFAULT-VALUE})")
    String topic = "sluice.readings";

    /** The audit of {@code ledger}, or null when no bootstrap servers were given. Blocking. */
    LossAudit.Result audit(Ledger ledger, Duration timeout) {
        return bootstrap == null ? null : Auditor.audit(bootstrap, topic, ledger, timeout);
    }
}
