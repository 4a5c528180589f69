package io.sluice.mqtt;

/**
 * Bounds on the session state clients can make a node hold, each a config key (see docs/LIMITS.md). Immutable;
 * validated by the daemon's config loader, the constructor only rejects values no caller could mean.
 *
 * @param maxPersistentSessions      persistent sessions stored at most; a CONNECT that would create one more is
 *                                   refused (MQTT 5 CONNACK 0x97 quota exceeded, 3.1.1 0x03 server unavailable);
 *                                   resuming a stored session is always allowed
 * @param maxClientIdBytes           longest client identifier accepted, in UTF-8 bytes (MQTT 5 CONNACK 0x85,
 *                                   3.1.1 0x02 identifier rejected); at least 23, which MQTT requires servers accept
 * @param maxSubscriptionsPerSession topic filters one session may hold; each filter beyond it gets SUBACK 0x97
 *                                   (MQTT 5) or 0x80 (3.1.1)
 * @param maxTopicFilterBytes        longest topic filter accepted, in UTF-8 bytes; a longer one gets SUBACK 0x8F
 *                                   (MQTT 5: topic filter not accepted) or 0x80 (3.1.1)
 * @param storeTimeoutMs             how long a CONNECT, SUBSCRIBE or UNSUBSCRIBE waits for its session write
 *                                   before it is refused (CONNACK server unavailable, SUBACK/UNSUBACK 0x80)
 * @param catchUpTimeoutMs           how long a CONNECT that may resume a session waits for this node to have read
 *                                   the session records other nodes wrote before it (0: no wait); then it goes on
 *                                   with what this node knows
 */
public record SessionLimits(int maxPersistentSessions, int maxClientIdBytes, int maxSubscriptionsPerSession,
                            int maxTopicFilterBytes, int storeTimeoutMs, int catchUpTimeoutMs) {
    public SessionLimits {
        if (maxPersistentSessions < 0 || maxClientIdBytes < 23 || maxClientIdBytes > 65_535
                || maxSubscriptionsPerSession < 1 || maxTopicFilterBytes < 1 || maxTopicFilterBytes > 65_535
                || storeTimeoutMs < 1 || catchUpTimeoutMs < 0) {
            throw new IllegalArgumentException("invalid session limits: " + this);
        }
    }

    /** With the default catch-up wait of 1 s. */
    public SessionLimits(int maxPersistentSessions, int maxClientIdBytes, int maxSubscriptionsPerSession,
                         int maxTopicFilterBytes, int storeTimeoutMs) {
        this(maxPersistentSessions, maxClientIdBytes, maxSubscriptionsPerSession, maxTopicFilterBytes, storeTimeoutMs,
                1_000);
    }

    /** The daemon's defaults (see the config keys' docs for why). */
    public static SessionLimits defaults() {
        return new SessionLimits(1_000_000, 256, 8, 256, 5_000);
    }
}
