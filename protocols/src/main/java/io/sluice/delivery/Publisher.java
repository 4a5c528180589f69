package io.sluice.delivery;

import io.sluice.ingest.Delivery;
import java.util.concurrent.CompletionStage;

/**
 * Publishes a message that did not come from an MQTT connection (the Kafka downlink, docs/DELIVERY.md "Downlink")
 * through this node's publish path, exactly as a PUBLISH accepted on this node: the delivery log append when a
 * subscription matches its topic, the retained topic when RETAIN is set, no readings record. Implemented by the MQTT
 * side; used from {@code sinks}.
 *
 * <p>Threading: thread-safe; never blocks. The stage completes exactly once, never exceptionally, on an arbitrary
 * thread (normally the delivery producer's), possibly before {@link #publish} returns.
 */
public interface Publisher {
    /**
     * Completes {@link Delivery#DELIVERED} once the message is durable for every subscriber that matches it now (or
     * at once when none does and RETAIN is not set); retryable when Kafka did not take it (try again); rejected when
     * a bound refuses it for good (the retained messages are full).
     */
    CompletionStage<Delivery> publish(Message message);
}
