package io.sluice.mqtt.internal;

import io.sluice.auth.Authenticator;
import io.sluice.ingest.InflightBudget;
import io.sluice.ingest.Ingest;
import io.sluice.mqtt.MqttConfig;
import io.sluice.mqtt.MqttStats;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** What every connection of one listener shares. All members are thread-safe. */
public record Context(MqttConfig config, Ingest ingest, InflightBudget budget, SessionRegistry sessions,
                      MqttStats stats, Clock clock, AtomicLong outstanding, AtomicBoolean accepting,
                      PartialPackets partials, Authenticator auth) {
    /** With a bound on partial packets of {@code config.maxPartialPacketBytes()} counted in {@code stats}. */
    public Context(MqttConfig config, Ingest ingest, InflightBudget budget, SessionRegistry sessions, MqttStats stats,
                   Clock clock, AtomicLong outstanding, AtomicBoolean accepting, Authenticator auth) {
        this(config, ingest, budget, sessions, stats, clock, outstanding, accepting,
                new PartialPackets(config.maxPartialPacketBytes(), stats), auth);
    }

    /** Without authentication: anonymous clients everywhere, everything allowed ({@link Authenticator#open()}). */
    public Context(MqttConfig config, Ingest ingest, InflightBudget budget, SessionRegistry sessions, MqttStats stats,
                   Clock clock, AtomicLong outstanding, AtomicBoolean accepting) {
        this(config, ingest, budget, sessions, stats, clock, outstanding, accepting, Authenticator.open());
    }
}
