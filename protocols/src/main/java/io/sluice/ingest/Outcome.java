package io.sluice.ingest;

/**
 * What became of one envelope. Ordered from best to worst: when outcomes are merged the worst wins.
 */
public enum Outcome {
    /** Durable in the log (Kafka acknowledged with acks=all). Only this outcome may be acknowledged to a client. */
    DELIVERED,
    /** Not durable, but trying again may succeed (broker unreachable, timeout, budget spent). */
    RETRYABLE,
    /** Not durable and never will be as sent (record too large, authorization, invalid topic). */
    REJECTED;

    /** The worse of the two. */
    public Outcome merge(Outcome other) {
        return this.ordinal() >= other.ordinal() ? this : other;
    }
}
