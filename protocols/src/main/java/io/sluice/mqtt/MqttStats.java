package io.sluice.mqtt;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the MQTT front end, cheap to bump from any event loop. The daemon exports them as metrics and in
 * {@code sluice status}. Every refusal or drop has a named reason ({@link #count}) and one log line.
 */
public final class MqttStats {
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
    /** Messages handed to ingest whose outcome is not known yet. */
    public final LongAdder inflightMessages = new LongAdder();
    private final Map<String, LongAdder> events = new ConcurrentHashMap<>();
    private volatile java.util.function.LongConsumer ackLatency = nanos -> { };

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

    /** Bumps the counter of a named event (a refusal, a protocol violation, a drop). */
    public void count(String reason) {
        events.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    /** Snapshot of every named event counter, sorted by name. */
    public Map<String, Long> events() {
        Map<String, Long> out = new TreeMap<>();
        events.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    public long event(String reason) {
        LongAdder a = events.get(reason);
        return a == null ? 0 : a.sum();
    }

    public long openConnections() {
        return connectionsOpened.sum() - connectionsClosed.sum();
    }
}
