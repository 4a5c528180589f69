package io.sluice.sinks.delivery.internal;

import io.sluice.delivery.DeliveryListener;
import io.sluice.delivery.Message;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * What the delivery reader does with each record it reads. A delivery record keyed to this node is decoded and
 * handed to the listener with its offset; one keyed to another node, or without a value, is skipped. A retained record
 * is decoded, passed through the {@link RetainedBound} and handed on. Nothing a record holds can end the reader: a
 * record that decoding refuses (IllegalArgumentException) or fails on in any other way (any RuntimeException: a
 * decoder defect must cost one record, not all delivery on the node) is counted undecodable, reported to the failure
 * log and skipped; a listener's failure is counted and reported the same way.
 *
 * <p>Threading: {@link #accept} is called by one thread at a time (the starting thread while the retained topic
 * loads, then the reader thread); the counters may be read from any thread.
 */
final class RecordIntake {
    /** Reads a record's message: {@link DeliveryHeaders#decode}. */
    @FunctionalInterface
    interface Decoder {
        Message decode(Iterable<Header> headers, byte[] value, String retainedKey);
    }

    private final String deliveryTopic;
    private final String nodeId;
    private final RetainedBound retained;
    private final CommitPositions commits;
    private final Decoder decoder;
    private final BiConsumer<String, String> failures;
    private final LongAdder handed = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    private final LongAdder undecodable = new LongAdder();
    private final LongAdder listenerFailures = new LongAdder();

    /**
     * @param failures takes a failure's kind and detail (the reader's rate-limited failure log)
     */
    RecordIntake(String deliveryTopic, String nodeId, RetainedBound retained, CommitPositions commits, Decoder decoder,
                 BiConsumer<String, String> failures) {
        this.deliveryTopic = deliveryTopic;
        this.nodeId = nodeId;
        this.retained = retained;
        this.commits = commits;
        this.decoder = decoder;
        this.failures = failures;
    }

    /** A record of the delivery topic or of the retained topic, in log order. */
    void accept(ConsumerRecord<String, byte[]> r, DeliveryListener listener) {
        if (r.topic().equals(deliveryTopic)) {
            onDelivery(r, listener);
        } else {
            onRetained(r, listener);
        }
    }

    private void onDelivery(ConsumerRecord<String, byte[]> r, DeliveryListener listener) {
        commits.read(r.offset());
        if (!nodeId.equals(r.key())) {
            skipped.increment();
            return;
        }
        String forClient = forClient(r);
        if (forClient != null && DeliveryHeaders.flag(r.headers(), DeliveryHeaders.HANDOVER_DONE)) {
            commits.handed(r.offset());
            handed.increment();
            try {
                listener.onHandoverDone(r.offset(), forClient);
            } catch (RuntimeException e) {
                listenerFailures.increment();
                failures.accept("listener failed", e.toString());
            }
            return;
        }
        if (r.value() == null) {
            skipped.increment();
            return;
        }
        Message m = decode(r, null);
        if (m == null) {
            return;
        }
        commits.handed(r.offset());
        handed.increment();
        try {
            if (forClient != null) {
                listener.onHandedOver(r.offset(), forClient, m,
                        DeliveryHeaders.flag(r.headers(), DeliveryHeaders.INFLIGHT));
            } else {
                listener.onMessage(r.offset(), m);
            }
        } catch (RuntimeException e) {
            listenerFailures.increment();
            failures.accept("listener failed", e.toString());
        }
    }

    /** The client a handed-over record is for; null for an ordinary one, or one whose header is not text. */
    private String forClient(ConsumerRecord<String, byte[]> r) {
        try {
            return DeliveryHeaders.lastText(r.headers(), DeliveryHeaders.FOR);
        } catch (IllegalArgumentException e) {
            undecodable.increment();
            failures.accept("undecodable record", where(r) + ": " + e.getMessage());
            return null;
        }
    }

    private void onRetained(ConsumerRecord<String, byte[]> r, DeliveryListener listener) {
        if (r.key() == null) {
            undecodable.increment();
            failures.accept("undecodable record", where(r) + ": a retained record without a key");
            return;
        }
        Message m = decode(r, r.key());
        Message admitted = m == null ? null : retained.admit(m);
        if (admitted == null) {
            return;
        }
        try {
            listener.onRetained(admitted);
        } catch (RuntimeException e) {
            listenerFailures.increment();
            failures.accept("listener failed", e.toString());
        }
    }

    /**
     * A record the consumer could not even hand over (its key or value did not deserialize): counted undecodable
     * and reported like one that did not decode; on the delivery topic its offset counts as read.
     */
    void notDeserialized(String topic, int partition, long offset, String why) {
        if (topic.equals(deliveryTopic)) {
            commits.read(offset);
        }
        undecodable.increment();
        failures.accept("undecodable record", topic + "-" + partition + "@" + offset + ": " + why);
    }

    /** The record's message, or null when it is undecodable (counted and reported). */
    private Message decode(ConsumerRecord<String, byte[]> r, String retainedKey) {
        try {
            return decoder.decode(r.headers(), r.value(), retainedKey);
        } catch (IllegalArgumentException e) {
            undecodable.increment();
            failures.accept("undecodable record", where(r) + ": " + e.getMessage());
        } catch (RuntimeException e) {
            undecodable.increment();
            String failure = e.toString(); // a defect's message may quote the record: keep the line short
            failures.accept("undecodable record", where(r) + ": decoding failed: "
                    + (failure.length() <= 300 ? failure : failure.substring(0, 300) + "..."));
        }
        return null;
    }

    private static String where(ConsumerRecord<String, byte[]> r) {
        return r.topic() + "-" + r.partition() + "@" + r.offset();
    }

    long handed() {
        return handed.sum();
    }

    long skipped() {
        return skipped.sum();
    }

    long undecodable() {
        return undecodable.sum();
    }

    long listenerFailures() {
        return listenerFailures.sum();
    }
}
