package io.sluice.mqtt.internal;

import io.sluice.auth.Authenticator;
import io.sluice.ingest.InflightBudget;
import io.sluice.ingest.Ingest;
import io.sluice.mqtt.MqttConfig;
import io.sluice.mqtt.MqttStats;
import io.sluice.mqtt.internal.outbound.Broker;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every connection of one listener shares. All members are thread-safe. {@code broker} is null when delivery
 * to subscribers is off (no delivery log): then nothing is delivered and RETAIN is refused, as before delivery.
 * {@code references} hands out {@code config.serverReferences()} in turn.
 */
public record Context(MqttConfig config, Ingest ingest, InflightBudget budget, SessionRegistry sessions,
                      MqttStats stats, Clock clock, AtomicLong outstanding, AtomicBoolean accepting,
                      PartialPackets partials, Authenticator auth, Broker broker, ServerReferences references) {
    /** With the server references of {@code config}. */
    public Context(MqttConfig config, Ingest ingest, InflightBudget budget, SessionRegistry sessions, MqttStats stats,
                   Clock clock, AtomicLong outstanding, AtomicBoolean accepting, PartialPackets partials,
                   Authenticator auth, Broker broker) {
        this(config, ingest, budget, sessions, stats, clock, outstanding, accepting, partials, auth, broker,
                new ServerReferences(config.serverReferences()));
    }

    /** With a bound on partial packets of {@code config.maxPartialPacketBytes()} counted in {@code stats}. */
    public Context(MqttConfig config, Ingest ingest, InflightBudget budget, SessionRegistry sessions, MqttStats stats,
                   Clock clock, AtomicLong outstanding, AtomicBoolean accepting, Authenticator auth, Broker broker) {
        this(config, ingest, budget, sessions, stats, clock, outstanding, accepting,
                new PartialPackets(config.maxPartialPacketBytes(), stats), auth, broker);
    }

    /** Without delivery to subscribers. */
    public Context(MqttConfig config, Ingest ingest, InflightBudget budget, SessionRegistry sessions, MqttStats stats,
                   Clock clock, AtomicLong outstanding, AtomicBoolean accepting, Authenticator auth) {
        this(config, ingest, budget, sessions, stats, clock, outstanding, accepting, auth, null);
    }

    /** Without authentication: anonymous clients everywhere, everything allowed ({@link Authenticator#open()}). */
    public Context(MqttConfig config, Ingest ingest, InflightBudget budget, SessionRegistry sessions, MqttStats stats,
                   Clock clock, AtomicLong outstanding, AtomicBoolean accepting) {
        this(config, ingest, budget, sessions, stats, clock, outstanding, accepting, Authenticator.open());
    }
}
