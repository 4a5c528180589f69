package io.sluice.sinks;

import java.util.Objects;

/**
 * What became of one {@link LogRecord} handed to the readings log.
 *
 * @param status    the outcome; only {@link Status#APPENDED} means durable
 * @param partition the partition written to when appended, otherwise -1
 * @param offset    the offset written at when appended, otherwise -1
 * @param reason    null when appended; otherwise a short cause, e.g. {@code "TimeoutException: Expiring 1 record(s)"}
 */
public record AppendResult(Status status, int partition, long offset, String reason) {

    /** The outcome of an append. */
    public enum Status {
        /** Kafka acknowledged the record with acks=all: it is durable in the replicated log. */
        APPENDED,
        /** Not durable, but sending it again may succeed: broker unreachable, timeout, too few in-sync replicas. */
        RETRYABLE,
        /** Not durable and never will be as sent: too large, invalid topic, not authorized, not serializable. */
        REJECTED
    }

    public AppendResult {
        Objects.requireNonNull(status, "status");
        if (status != Status.APPENDED) {
            Objects.requireNonNull(reason, "reason");
        }
    }

    public static AppendResult appended(int partition, long offset) {
        return new AppendResult(Status.APPENDED, partition, offset, null);
    }

    public static AppendResult retryable(String reason) {
        return new AppendResult(Status.RETRYABLE, -1, -1, reason);
    }

    public static AppendResult rejected(String reason) {
        return new AppendResult(Status.REJECTED, -1, -1, reason);
    }

    public boolean appended() {
        return status == Status.APPENDED;
    }
}
