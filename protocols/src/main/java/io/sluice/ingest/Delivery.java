package io.sluice.ingest;

import java.util.Objects;

/**
 * The completion of one envelope: its outcome and, unless delivered, a short reason for logs and reason codes.
 *
 * @param outcome what happened
 * @param reason  null when delivered; otherwise a human-readable cause, e.g. "kafka: TimeoutException: ..."
 */
public record Delivery(Outcome outcome, String reason) {
    public static final Delivery DELIVERED = new Delivery(Outcome.DELIVERED, null);

    public Delivery {
        Objects.requireNonNull(outcome, "outcome");
    }

    public static Delivery retryable(String reason) {
        return new Delivery(Outcome.RETRYABLE, reason);
    }

    public static Delivery rejected(String reason) {
        return new Delivery(Outcome.REJECTED, reason);
    }

    public boolean delivered() {
        return outcome == Outcome.DELIVERED;
    }
}
