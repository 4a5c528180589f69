package io.sluice.delivery;

import java.util.Objects;

/**
 * The fate of one copy of a downlink message for one session (docs/DELIVERY.md, "Downlink receipts"). Immutable.
 *
 * @param clientId  the session's client id (the receipt's key)
 * @param outcome   what became of the copy
 * @param reason    the counted event that decided it ({@code delivery_expired}, {@code queue_full}, ...); null for
 *                  {@link Outcome#SENT} and {@link Outcome#ACKED} (but {@code delivery_qos2_finished_before_restart}
 *                  for a QoS 2 copy PUBCOMP'd before a restart and reported again after it)
 * @param origin    the downlink record it came from
 * @param topic     the MQTT topic
 * @param qos       the QoS the copy was (to be) sent with: the lower of the message's and the subscription's
 * @param nodeId    the node that decided it
 * @param atMillis  when, epoch milliseconds
 */
public record Receipt(String clientId, Outcome outcome, String reason, Origin origin, String topic, int qos,
                      String nodeId, long atMillis) {
    public Receipt {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(nodeId, "nodeId");
    }

    /** What became of a copy; {@link #wire} is how the receipt record writes it. */
    public enum Outcome {
        /** QoS 1: PUBACK; QoS 2: PUBCOMP. */
        ACKED("acked"),
        /** QoS 0: handed to the connection's socket write (at most once: nothing confirms it arrived). */
        SENT("sent"),
        /** Its message expiry interval passed before it was sent. */
        EXPIRED("expired"),
        /** Dropped at delivery.max_queued_messages_per_session. */
        QUEUE_FULL("queue_full"),
        /** Dropped for another counted reason (see {@link Receipt#reason}). */
        DROPPED("dropped");

        private final String wire;

        Outcome(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }
}
