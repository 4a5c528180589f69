package io.sluice.delivery;

import io.sluice.ingest.Delivery;
import java.util.Objects;

/**
 * How a {@link DeliveryLog#scan} ended. Immutable.
 *
 * @param outcome {@link Delivery#DELIVERED} when the partition was read to its end as of the scan's start, otherwise
 *                retryable or rejected with a reason
 * @param end     the position the scan read up to (exclusive) when it reached the end: where a later scan of the same
 *                partition goes on without reading anything twice; -1 when it did not reach the end
 */
public record ScanResult(Delivery outcome, long end) {
    public ScanResult {
        Objects.requireNonNull(outcome, "outcome");
    }

    /** A scan that did not reach the end, for {@code outcome}'s reason. */
    public static ScanResult failed(Delivery outcome) {
        return new ScanResult(outcome, -1);
    }

    /** True when the partition was read to its end. */
    public boolean complete() {
        return outcome.outcome() == io.sluice.ingest.Outcome.DELIVERED && end >= 0;
    }
}
