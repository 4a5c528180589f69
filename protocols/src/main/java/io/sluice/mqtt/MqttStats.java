package io.sluice.mqtt;

import io.sluice.ingest.EventCounters;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the MQTT front end, cheap to bump from any event loop. The daemon exports them as metrics and in
 * {@code sluice status}. Every refusal or drop has a named reason ({@link #count}) and one log line.
 */
public final class MqttStats extends EventCounters {
    public final LongAdder connectionsOpened = new LongAdder();
    public final LongAdder connectionsClosed = new LongAdder();
    public final LongAdder connectsAccepted = new LongAdder();
    public final LongAdder publishesQos0 = new LongAdder();
    public final LongAdder publishesQos1 = new LongAdder();
    public final LongAdder publishBytes = new LongAdder();
    public final LongAdder pubacksSent = new LongAdder();
    public final LongAdder pubackErrorsSent = new LongAdder();
    public final LongAdder deliveryFailures = new LongAdder();
    public final LongAdder readsPaused = new LongAdder();
    /** Bytes of started-but-incomplete packets held across connections (bounded by mqtt.max_partial_packet_bytes). */
    public final java.util.concurrent.atomic.AtomicLong partialPacketBytes = new java.util.concurrent.atomic.AtomicLong();
    /** Messages handed to ingest whose outcome is not known yet. */
    public final LongAdder inflightMessages = new LongAdder();
    /** PUBLISH packets written to subscribers (first sends; resends are the event delivery_resent). */
    public final LongAdder deliveriesSent = new LongAdder();
    /** Copies a subscriber acknowledged (PUBACK, PUBCOMP) or that were written at QoS 0. */
    public final LongAdder deliveriesCompleted = new LongAdder();
    /** Copies waiting for subscribers, sent-and-unacknowledged ones included (delivery.max_queued_* bound them). */
    public final java.util.concurrent.atomic.AtomicLong deliveryQueued = new java.util.concurrent.atomic.AtomicLong();
    /** Copies sent to subscribers and not yet acknowledged. */
    public final java.util.concurrent.atomic.AtomicLong deliveryInflight = new java.util.concurrent.atomic.AtomicLong();
    private volatile java.util.function.LongConsumer ackLatency = nanos -> { };
    private volatile java.util.function.LongConsumer deliveryLatency = millis -> { };

    /**
     * Where publish-to-delivery latencies go (milliseconds, from the node accepting a PUBLISH to writing it to a
     * subscriber, first sends only); called on event loops, so it must be cheap and thread-safe.
     */
    public void onDeliveryLatency(java.util.function.LongConsumer observer) {
        this.deliveryLatency = observer == null ? millis -> { } : observer;
    }

    /** Reports one delivery's latency. */
    public void deliveryLatency(long millis) {
        deliveryLatency.accept(millis);
    }

    /**
     * Where PUBLISH-to-PUBACK latencies go (nanoseconds, from reading the PUBLISH to writing its PUBACK after Kafka
     * acknowledged it); called on event loops, so it must be cheap and thread-safe (e.g. a metrics timer).
     */
    public void onAckLatency(java.util.function.LongConsumer observer) {
        this.ackLatency = observer == null ? nanos -> { } : observer;
    }

    /** Reports one PUBACK's latency. */
    public void ackLatency(long nanos) {
        ackLatency.accept(nanos);
    }

    public long openConnections() {
        return connectionsOpened.sum() - connectionsClosed.sum();
    }
}
