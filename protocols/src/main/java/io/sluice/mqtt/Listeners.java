package io.sluice.mqtt;

import io.sluice.tls.ServerTls;
import io.sluice.tls.SourceLimits;

/**
 * Which sockets the MQTT front end listens on and what it checks at accept time. Both listeners feed the same MQTT
 * pipeline, sessions, budget and counters.
 *
 * @param plain        whether the plain TCP listener ({@link MqttConfig#host()}:{@link MqttConfig#port()}) opens
 * @param tls          the TLS listener's context (its host and port are in its config), or null for none
 * @param sourceLimits per-source-address bounds applied at accept time on both listeners
 */
public record Listeners(boolean plain, ServerTls tls, SourceLimits sourceLimits) {
    public Listeners {
        if (!plain && tls == null) {
            throw new IllegalArgumentException("at least one MQTT listener (plain or TLS) must be enabled");
        }
        java.util.Objects.requireNonNull(sourceLimits, "sourceLimits");
    }

    /** The plain listener only, no accept-time limits (tests of other things). */
    public static Listeners plainOnly() {
        return new Listeners(true, null, SourceLimits.none());
    }
}
