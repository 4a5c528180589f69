package io.sluice.ingest;

import java.util.concurrent.CompletionStage;

/**
 * Writes a reading and one session-store record together, atomically: both become durable or neither does. This is
 * what makes an MQTT QoS 2 PUBLISH exactly once into the log across a crash: the record that remembers its packet id
 * (until PUBREL) is written in the same transaction as the reading, so a restarted node that sees the reading also
 * sees that it must not write a retransmission of it again.
 *
 * <p>Threading: as {@link Ingest#submit}: called on event loops, never blocks; the stage completes exactly once, on
 * an arbitrary thread, never exceptionally. Callers bound what they submit with an {@link InflightBudget}.
 */
public interface ExactlyOnce {
    /**
     * Writes {@code envelope} as {@link Ingest#submit} would, and {@code sessionValue} under {@code sessionKey} in the
     * session store, in one transaction. {@link Outcome#DELIVERED} means both are durable and visible to readers
     * that read committed data only; any other outcome means neither ever becomes visible.
     */
    CompletionStage<Delivery> submit(Envelope envelope, String sessionKey, byte[] sessionValue);
}
