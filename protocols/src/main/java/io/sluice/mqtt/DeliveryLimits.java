package io.sluice.mqtt;

/**
 * Bounds on what delivery to subscribers can make a node hold, each a key of the daemon's {@code delivery} section
 * (see docs/LIMITS.md). Immutable; validated by the daemon's config loader, the constructor only rejects values no
 * caller could mean.
 *
 * @param maxInflightPerSession       QoS 1/2 messages sent to an MQTT 3.1.1 subscriber and not yet acknowledged
 *                                    ({@code delivery.max_inflight_per_session}); MQTT 5 clients set their own with
 *                                    Receive Maximum
 * @param maxQueuedMessagesPerSession messages waiting for one session, connected or offline
 *                                    ({@code delivery.max_queued_messages_per_session}); beyond it a new message for
 *                                    that session is dropped and counted {@code queue_full}
 * @param maxQueuedBytes              bytes of messages waiting across all sessions ({@code delivery.max_queued_bytes});
 *                                    beyond it a new copy is dropped and counted {@code queued_bytes_full}
 * @param maxRetainedBytes            bytes of retained messages this node holds ({@code delivery.max_retained_bytes},
 *                                    payload + 2 x topic + 200 B each); a PUBLISH that would add a retained topic
 *                                    beyond it is refused (MQTT 5 PUBACK 0x80), and one arriving from the log
 *                                    beyond it is not held (event {@code retained_full})
 * @param handoverTimeoutMs           how long a session resumed here from another node holds the messages matched
 *                                    here until that node's handover is done ({@code delivery.handover_timeout_ms});
 *                                    then (counted {@code handover_timeout}) this node recovers what that node
 *                                    held from its delivery partition, and they go out after it (docs/DELIVERY.md,
 *                                    "Node death"); 0: no hold and no recovery
 */
public record DeliveryLimits(int maxInflightPerSession, int maxQueuedMessagesPerSession, long maxQueuedBytes,
                             long maxRetainedBytes, long handoverTimeoutMs) {
    /** The default of {@link #handoverTimeoutMs}. */
    public static final long DEFAULT_HANDOVER_TIMEOUT_MS = 5_000;

    public DeliveryLimits {
        if (maxInflightPerSession < 1 || maxInflightPerSession > 65_535 || maxQueuedMessagesPerSession < 0
                || maxQueuedBytes < 0 || maxRetainedBytes < 0 || handoverTimeoutMs < 0) {
            throw new IllegalArgumentException("invalid delivery limits: " + this);
        }
    }

    /** Limits with the default handover timeout. */
    public DeliveryLimits(int maxInflightPerSession, int maxQueuedMessagesPerSession, long maxQueuedBytes,
                          long maxRetainedBytes) {
        this(maxInflightPerSession, maxQueuedMessagesPerSession, maxQueuedBytes, maxRetainedBytes,
                DEFAULT_HANDOVER_TIMEOUT_MS);
    }

    /** The daemon's defaults (see the config keys' docs for why). */
    public static DeliveryLimits defaults() {
        return new DeliveryLimits(32, 10_000, 128L << 20, 64L << 20);
    }
}
