package io.sluice.ingest;

import java.util.concurrent.CompletionStage;

/**
 * Where front ends hand readings. Implemented outside {@code protocols} (the daemon wires it to the Kafka log).
 *
 * <p>Threading: {@link #submit} is called on Netty event loops and must never block: an implementation hands
 * the envelope off (e.g. to a sender thread) and returns at once. The returned stage completes exactly once, on
 * an arbitrary thread (typically the Kafka producer's I/O thread); callers re-dispatch to their event loop.
 * It never completes exceptionally: failures are {@link Outcome#RETRYABLE} or {@link Outcome#REJECTED}.
 *
 * <p>Memory: callers bound what they submit with an {@link InflightBudget}; implementations may therefore queue
 * without a bound of their own.
 */
public interface Ingest {
    CompletionStage<Delivery> submit(Envelope envelope);

    /**
     * The atomic reading-and-session write that MQTT QoS 2 needs to be exactly once into the log across restarts, or
     * null when this ingest has none (then MQTT QoS 2 is refused, as the spec allows, and CONNACK says Maximum QoS 1).
     */
    default ExactlyOnce exactlyOnce() {
        return null;
    }
}
