package io.sluice.sinks.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sinks.AppendResult.Status;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.junit.jupiter.api.Test;

/** Classification of Kafka's own exception types (constructed, not mocked) into Sluice outcomes. */
class FailuresTest {

    @Test
    void transientFailures_areRetryable() {
        assertEquals(Status.RETRYABLE, Failures.classify(new TimeoutException("Expiring 1 record(s)")).status());
        assertEquals(Status.RETRYABLE, Failures.classify(new NotEnoughReplicasException("isr 1 < 2")).status());
        assertEquals(Status.RETRYABLE, Failures.classify(new NotEnoughReplicasAfterAppendException("x")).status());
        assertEquals(Status.RETRYABLE, Failures.classify(new NetworkException("down")).status());
    }

    @Test
    void recordAndTopicFailures_areRejected() {
        assertEquals(Status.REJECTED, Failures.classify(new RecordTooLargeException("too big")).status());
        assertEquals(Status.REJECTED, Failures.classify(new InvalidTopicException("bad name")).status());
        assertEquals(Status.REJECTED, Failures.classify(new SerializationException("no")).status());
    }

    @Test
    void thisNodesOwnAuthorizationFailures_areRetryable_sinceTheySayNothingAboutTheReading() {
        assertEquals(Status.RETRYABLE, Failures.classify(new TopicAuthorizationException("no write on readings"))
                .status());
        assertEquals(Status.RETRYABLE, Failures.classify(new ClusterAuthorizationException("no idempotent write"))
                .status());
        assertEquals(Status.RETRYABLE, Failures.classify(new TransactionalIdAuthorizationException("no"))
                .status());
        assertEquals(Status.RETRYABLE, Failures.classify(
                new ExecutionException(new TopicAuthorizationException("wrapped"))).status());
    }

    @Test
    void unknownFailures_interrupts_andAuthentication_areRetryable_soNoReadingIsRejectedWrongly() {
        assertEquals(Status.RETRYABLE, Failures.classify(new KafkaException("Producer is closed forcefully"))
                .status());
        assertEquals(Status.RETRYABLE, Failures.classify(new InterruptException("stop")).status());
        assertEquals(Status.RETRYABLE, Failures.classify(new SaslAuthenticationException("bad password"))
                .status());
        assertEquals(Status.RETRYABLE, Failures.classify(new IllegalStateException("closed")).status());
    }

    @Test
    void wrappedFailures_areUnwrapped_andTheReasonNamesTheKafkaException() {
        var result = Failures.classify(new ExecutionException(new RecordTooLargeException("2000000 bytes")));
        assertEquals(Status.REJECTED, result.status());
        assertEquals("RecordTooLargeException: 2000000 bytes", result.reason());
    }

    @Test
    void longReasons_areShortened() {
        var reason = Failures.reason(new TimeoutException("x".repeat(1000)));
        assertTrue(reason.length() <= 300 && reason.endsWith("..."), reason);
    }
}
