package io.sluice.sinks.kafka;

import io.sluice.sinks.AppendResult;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Sorts Kafka's exceptions into Sluice outcomes.
 *
 * <p>REJECTED is reserved for failures tied to the record or the topic itself, which no retry of the same
 * record can fix. Everything else is RETRYABLE, including exceptions Sluice does not know: telling a sensor to try
 * again costs a duplicate at worst, while wrongly rejecting loses a reading the sensor would have re-sent.
 * Authentication and authorization failures (TopicAuthorizationException, ClusterAuthorizationException,
 * TransactionalIdAuthorizationException, ...) are RETRYABLE for the same reason: they concern this node's
 * credentials and ACLs towards Kafka, which an operator can fix, and say nothing about the reading.
 */
public final class Failures {
    private static final int MAX_REASON_CHARS = 300;

    private Failures() {
    }

    public static AppendResult classify(Throwable failure) {
        Throwable t = unwrap(failure);
        String reason = reason(t);
        if (rejects(t)) {
            return AppendResult.rejected(reason);
        }
        return AppendResult.retryable(reason);
    }

    /** True when no retry of the same record can succeed. */
    public static boolean rejects(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof RetriableException) {
            return false;
        }
        return t instanceof RecordTooLargeException
                || t instanceof RecordBatchTooLargeException
                || t instanceof InvalidTopicException
                || t instanceof InvalidRecordException
                || t instanceof SerializationException;
    }

    /** {@code SimpleName: message}, shortened; what goes into results, reason codes and log lines. */
    public static String reason(Throwable failure) {
        Throwable t = unwrap(failure);
        String message = t.getMessage();
        String reason = message == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + message;
        return reason.length() <= MAX_REASON_CHARS ? reason : reason.substring(0, MAX_REASON_CHARS - 3) + "...";
    }

    /** The failure's own message (or its class name when it has none), for log lines that name the class. */
    public static String message(Throwable failure) {
        Throwable t = unwrap(failure);
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return message.length() <= MAX_REASON_CHARS ? message : message.substring(0, MAX_REASON_CHARS - 3) + "...";
    }

    /** The failure class, for grouping log lines. */
    public static String kind(Throwable failure) {
        return unwrap(failure).getClass().getSimpleName();
    }

    public static Throwable unwrap(Throwable t) {
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
