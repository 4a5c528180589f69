package io.sluice.sinks.delivery.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.delivery.DeliveryListener;
import io.sluice.delivery.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * What the delivery reader does with each record, on records as Kafka's consumer hands them over. The decoder is
 * {@link DeliveryHeaders#decode}; where a test needs a decoder that fails other than by refusing (a defect no input
 * is known to trigger now), it wraps the real one and throws for one marked record.
 */
class RecordIntakeTest {
    private static final String DELIVERY = "sluice.delivery";
    private static final String RETAINED = "sluice.retained";
    private static final byte POISON = (byte) 0xEE;

    private final List<String> failures = new ArrayList<>();
    private final List<String> handed = new ArrayList<>();
    private final DeliveryListener listener = new DeliveryListener() {
        @Override
        public void onMessage(long position, Message message) {
            handed.add(position + " " + message.topic());
        }

        @Override
        public void onRetained(Message message) {
            handed.add("retained " + message.topic());
        }

        @Override
        public void onHandedOver(long position, String clientId, Message message, boolean inflight) {
            handed.add(position + " for " + clientId + " " + message.topic() + (inflight ? " inflight" : ""));
        }

        @Override
        public void onHandoverDone(long position, String clientId) {
            handed.add(position + " done " + clientId);
        }
    };

    /** The real decoder, except that a value starting with {@link #POISON} makes it fail as a defect would. */
    private static Message defectiveOnPoison(Iterable<org.apache.kafka.common.header.Header> headers, byte[] value,
                                             String retainedKey) {
        if (value != null && value.length > 0 && value[0] == POISON) {
            Object[] none = new Object[0];
            return (Message) none[value.length]; // ArrayIndexOutOfBoundsException, as a decoder defect would throw
        }
        return DeliveryHeaders.decode(headers, value, retainedKey);
    }

    private RecordIntake intake(RecordIntake.Decoder decoder, CommitPositions commits) {
        return new RecordIntake(DELIVERY, "node-a", new RetainedBound(100, 1 << 20), commits, decoder,
                (kind, detail) -> failures.add(kind + ": " + detail));
    }

    private static ConsumerRecord<String, byte[]> record(String topic, long offset, String key, String mqttTopic,
                                                         byte[] value) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(DeliveryHeaders.TOPIC, mqttTopic.getBytes(UTF_8));
        headers.add(DeliveryHeaders.QOS, "1".getBytes(UTF_8));
        return new ConsumerRecord<>(topic, 0, offset, 0L, TimestampType.CREATE_TIME, -1, -1, key, value, headers,
                Optional.empty());
    }

    @Test
    void aDecoderFailureOtherThanARefusal_isCountedUndecodable_andTheRecordsAfterItAreStillHanded() {
        var commits = new CommitPositions(1);
        commits.startAt(10);
        RecordIntake intake = intake(RecordIntakeTest::defectiveOnPoison, commits);

        intake.accept(record(DELIVERY, 10, "node-a", "a/b", new byte[] {POISON, 1}), listener);
        intake.accept(record(DELIVERY, 11, "node-a", "a/c", new byte[] {1}), listener);
        intake.accept(record(RETAINED, 3, "r/x", "r/x", new byte[] {POISON}), listener);
        intake.accept(record(RETAINED, 4, "r/y", "r/y", new byte[] {1}), listener);

        assertEquals(List.of("11 a/c", "retained r/y"), handed);
        assertEquals(2, intake.undecodable());
        assertEquals(1, intake.handed());
        assertEquals(0, intake.listenerFailures());
        assertEquals(2, failures.size(), failures.toString());
        assertTrue(failures.get(0).startsWith("undecodable record: sluice.delivery-0@10: decoding failed:"
                + " java.lang.ArrayIndexOutOfBoundsException"), failures.get(0));
        assertTrue(failures.get(1).startsWith("undecodable record: sluice.retained-0@3: decoding failed:"),
                failures.get(1));
        commits.request(12);
        assertEquals(12, commits.due(true, 0), "the skipped record's position is stored past");
    }

    @Test
    void aRecordDecodingRefuses_isCountedUndecodable_withTheReason_andNeverHanded() {
        RecordIntake intake = intake(DeliveryHeaders::decode, new CommitPositions(1));

        intake.accept(record(DELIVERY, 5, "node-a", "a/+/b", new byte[] {1}), listener);
        intake.accept(record(RETAINED, 6, "lights/hall", "lights/kitchen", new byte[] {1}), listener);
        intake.accept(record(DELIVERY, 7, "node-b", "a/b", new byte[] {1}), listener);

        assertEquals(List.of(), handed);
        assertEquals(2, intake.undecodable());
        assertEquals(1, intake.skipped(), "another node's record");
        assertEquals(List.of("undecodable record: sluice.delivery-0@5: topic 'a/+/b' is not a topic name: it holds"
                        + " the wildcard +",
                "undecodable record: sluice.retained-0@6: sluice.topic 'lights/kitchen' is not the retained record's"
                        + " key 'lights/hall'"), failures);
    }

    @Test
    void aListenerFailure_isCounted_andTheNextRecordIsHanded() {
        RecordIntake intake = intake(DeliveryHeaders::decode, new CommitPositions(1));
        DeliveryListener failing = new DeliveryListener() {
            @Override
            public void onMessage(long position, Message message) {
                if (position == 1) {
                    throw new IllegalStateException("listener broke");
                }
                listener.onMessage(position, message);
            }

            @Override
            public void onRetained(Message message) {
                listener.onRetained(message);
            }
        };

        intake.accept(record(DELIVERY, 1, "node-a", "a/b", new byte[] {1}), failing);
        intake.accept(record(DELIVERY, 2, "node-a", "a/c", new byte[] {1}), failing);

        assertEquals(List.of("2 a/c"), handed);
        assertEquals(1, intake.listenerFailures());
        assertEquals(List.of("listener failed: java.lang.IllegalStateException: listener broke"), failures);
    }

    @Test
    void recordsHandedOverForOneClient_andTheirValuelessMarker_reachTheListenerAsSuch_inOrder() {
        var commits = new CommitPositions(1);
        commits.startAt(20);
        RecordIntake intake = intake(DeliveryHeaders::decode, commits);
        var inflight = record(DELIVERY, 20, "node-a", "a/1", new byte[] {1});
        inflight.headers().add(DeliveryHeaders.FOR, "dev-1".getBytes(UTF_8));
        inflight.headers().add(DeliveryHeaders.INFLIGHT, "1".getBytes(UTF_8));
        var queued = record(DELIVERY, 21, "node-a", "a/2", new byte[] {2});
        queued.headers().add(DeliveryHeaders.FOR, "dev-1".getBytes(UTF_8));
        RecordHeaders markerHeaders = new RecordHeaders();
        markerHeaders.add(DeliveryHeaders.FOR, "dev-1".getBytes(UTF_8));
        markerHeaders.add(DeliveryHeaders.HANDOVER_DONE, "1".getBytes(UTF_8));
        var marker = new ConsumerRecord<>(DELIVERY, 0, 22, 0L, TimestampType.CREATE_TIME, -1, -1, "node-a",
                (byte[]) null, markerHeaders, Optional.<Integer>empty());
        var othersMarker = new ConsumerRecord<>(DELIVERY, 0, 23, 0L, TimestampType.CREATE_TIME, -1, -1, "node-b",
                (byte[]) null, markerHeaders, Optional.<Integer>empty());

        for (var r : List.of(inflight, queued, marker, othersMarker)) {
            intake.accept(r, listener);
        }
        intake.accept(record(DELIVERY, 24, "node-a", "a/3", new byte[] {3}), listener);

        assertEquals(List.of("20 for dev-1 a/1 inflight", "21 for dev-1 a/2", "22 done dev-1", "24 a/3"), handed);
        assertEquals(4, intake.handed());
        assertEquals(1, intake.skipped(), "another node's marker");
        assertEquals(List.of(), failures);
    }
}
