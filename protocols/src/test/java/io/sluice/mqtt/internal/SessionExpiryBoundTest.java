package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.ingest.InflightBudget;
import io.sluice.mqtt.MqttStats;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A persistent session always expires once its client stays away, even when its disconnect was never stored. */
class SessionExpiryBoundTest {

    @Test
    void aSessionStoredWhileItsClientWasConnected_expiresAfterARestart_countingFromTheLoad() {
        MemorySessionStore store = new MemorySessionStore();
        store.data.put("crashed", SessionCodec.encode(new SessionState("crashed", 5, 10, 0, Map.of("cmd/#", 1))));
        MqttHarness.ManualClock clock = new MqttHarness.ManualClock(1_700_000_000_000L);
        SessionRegistry registry = new SessionRegistry(store, clock, new MqttStats());
        registry.load();
        clock.advance(Duration.ofMillis(9_999));
        assertEquals(0, registry.sweepExpired());
        clock.advance(Duration.ofMillis(1));
        assertEquals(1, registry.sweepExpired(), "10 s after the load, like any session 10 s after a disconnect");
        assertFalse(store.data.containsKey("crashed"), "tombstoned in the store");
    }

    @Test
    void aDisconnectWriteThatFails_stillLetsTheSessionExpire_insteadOfHoldingItForEver() {
        MemorySessionStore store = new MemorySessionStore();
        ManualIngest ingest = new ManualIngest();
        MqttHarness.ManualClock clock = new MqttHarness.ManualClock(1_700_000_000_000L);
        Context ctx = MqttHarness.context(MqttHarness.config(64, 4, 4096), ingest, new InflightBudget(1 << 20), store,
                clock);
        MqttHarness h = new MqttHarness(ctx, ingest);
        h.connect(MqttVersion.MQTT_5, "unlucky", false, 10);
        store.failing = true; // Kafka goes away before the client does
        h.server.close();
        h.pump();
        h.close();
        clock.advance(Duration.ofSeconds(10));
        assertEquals(1, ctx.sessions().sweepExpired());
        assertEquals(0, ctx.sessions().sessionCount());
    }
}
