package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.ingest.InflightBudget;
import io.sluice.ingest.SessionStore;
import io.sluice.mqtt.MqttStats;
import io.sluice.mqtt.SessionLimits;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The bounds on session state a client can make a node hold: id length, session count, subscriptions, store time. */
class SessionLimitsTest {
    private final List<MqttHarness> harnesses = new ArrayList<>();

    @AfterEach
    void close() {
        harnesses.forEach(MqttHarness::close);
    }

    private static Context context(SessionStore store, SessionLimits limits) {
        MqttStats stats = new MqttStats();
        SessionRegistry registry = new SessionRegistry(store, Clock.systemUTC(), stats, limits);
        registry.load();
        return new Context(MqttHarness.config(64, 4, 1 << 20), new ManualIngest(), new InflightBudget(1 << 20),
                registry, stats, Clock.systemUTC(), new AtomicLong(), new AtomicBoolean(true));
    }

    private MqttHarness client(Context ctx) {
        MqttHarness h = new MqttHarness(ctx, (ManualIngest) ctx.ingest());
        harnesses.add(h);
        return h;
    }

    private static MqttConnectReturnCode code(MqttConnAckMessage ack) {
        return ack.variableHeader().connectReturnCode();
    }

    private static SessionLimits limits(int sessions, int idBytes, int subscriptions, int filterBytes, int timeoutMs) {
        return new SessionLimits(sessions, idBytes, subscriptions, filterBytes, timeoutMs);
    }

    @Test
    void clientIdLongerThanTheLimit_isRefused_mqtt5With0x85_mqtt311WithIdentifierRejected() {
        Context ctx = context(new MemorySessionStore(), limits(10, 23, 4, 64, 5_000));
        String longest = "d".repeat(23);
        String tooLong = "é".repeat(12); // 12 characters, 24 bytes of UTF-8
        assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED,
                code(client(ctx).connect(MqttVersion.MQTT_5, longest, true, 0)));
        MqttHarness five = client(ctx);
        assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID,
                code(five.connect(MqttVersion.MQTT_5, tooLong, true, 0)));
        assertFalse(five.server.isActive());
        assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED,
                code(client(ctx).connect(MqttVersion.MQTT_3_1_1, tooLong, true, 0)));
        assertEquals(2, ctx.stats().event("client_id_too_long"));
        assertFalse(ctx.sessions().liveClientIds().contains(tooLong), "a refused id is never registered");
    }

    @Test
    void newPersistentSessionBeyondTheCap_isRefused_quotaExceededForMqtt5_serverUnavailableFor311_resumingIsAccepted() {
        MemorySessionStore store = new MemorySessionStore();
        Context ctx = context(store, limits(2, 256, 4, 64, 5_000));
        for (String id : List.of("a", "b")) {
            MqttHarness h = client(ctx);
            assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED, code(h.connect(MqttVersion.MQTT_5, id, false, 600)));
            h.server.close();
            h.pump();
        }
        MqttHarness third = client(ctx);
        assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_QUOTA_EXCEEDED,
                code(third.connect(MqttVersion.MQTT_5, "c", false, 600)));
        assertFalse(third.server.isActive());
        assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
                code(client(ctx).connect(MqttVersion.MQTT_3_1_1, "d", false, 0)));
        assertEquals(2, ctx.stats().event("persistent_sessions_full"));

        MqttConnAckMessage resumed = client(ctx).connect(MqttVersion.MQTT_5, "a", false, 600);
        assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED, code(resumed));
        assertTrue(resumed.variableHeader().isSessionPresent(), "a stored session always resumes");
        assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED,
                code(client(ctx).connect(MqttVersion.MQTT_5, "clean-e", true, 0)), "sessions that end with"
                        + " their connection are not persistent and not capped here");
        assertEquals(Map.of("a", true, "b", true), Map.of("a", store.data.containsKey("a"), "b",
                store.data.containsKey("b")));
        assertEquals(java.util.Set.of("a", "b", "clean-e"), store.data.keySet());
        assertEquals(0, SessionCodec.decode(store.data.get("clean-e")).expirySeconds(),
                "only the presence record of the connected non-persistent client besides the two sessions");
    }

    @Test
    void thousandsOfStrangersAskingForPersistentSessions_leaveAtMostTheCapStored() {
        MemorySessionStore store = new MemorySessionStore();
        Context ctx = context(store, limits(100, 256, 4, 64, 5_000));
        for (int i = 0; i < 2_000; i++) {
            MqttHarness h = new MqttHarness(ctx, (ManualIngest) ctx.ingest());
            h.connect(i % 2 == 0 ? MqttVersion.MQTT_5 : MqttVersion.MQTT_3_1_1, "stranger-" + i, false, 3600);
            h.server.close();
            h.pump();
            h.close();
        }
        assertEquals(100, store.data.size());
        assertEquals(100, ctx.sessions().sessionCount());
        assertEquals(1_900, ctx.stats().event("persistent_sessions_full"));
    }

    @Test
    void filtersBeyondTheSubscriptionCap_getQuotaExceeded_eachOne_andALongFilterIsRefused() {
        MemorySessionStore store = new MemorySessionStore();
        Context ctx = context(store, limits(10, 256, 2, 32, 5_000));
        MqttHarness h = client(ctx);
        h.connect(MqttVersion.MQTT_5, "subscriber", false, 600);
        MqttMessage sub = MqttMessageBuilders.subscribe().messageId(1)
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "cmd/1")
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "cmd/" + "x".repeat(40))
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "cmd/2")
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "cmd/3")
                .addSubscription(MqttQoS.AT_MOST_ONCE, "cmd/1") // replaces an existing one: within the cap
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "cmd/4")
                .build();
        MqttSubAckMessage ack = (MqttSubAckMessage) h.send(sub).get(0);
        assertEquals(List.of(1, 0x8F, 1, 0x97, 0, 0x97), ack.payload().reasonCodes());
        assertEquals(2, ctx.sessions().get("subscriber").subscriptions().size());
        assertEquals(2, SessionCodec.decode(store.data.get("subscriber")).subscriptions().size());
        assertEquals(2, ctx.stats().event("subscriptions_per_session_exceeded"));
        assertEquals(1, ctx.stats().event("topic_filter_too_long"));

        MqttHarness old = client(ctx);
        old.connect(MqttVersion.MQTT_3_1_1, "old-subscriber", true, 0);
        MqttMessage sub311 = MqttMessageBuilders.subscribe().messageId(2)
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "a").addSubscription(MqttQoS.AT_LEAST_ONCE, "b")
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "c").build();
        assertEquals(List.of(1, 1, 0x80), ((MqttSubAckMessage) old.send(sub311).get(0)).payload().reasonCodes());
    }

    /** A store that takes writes and never confirms them, as a session log does while Kafka is down. */
    static final class StalledStore implements SessionStore {
        final List<String> puts = new CopyOnWriteArrayList<>();
        final List<String> removes = new CopyOnWriteArrayList<>();

        @Override
        public Map<String, byte[]> loadAll() {
            return Map.of();
        }

        @Override
        public CompletionStage<Void> put(String clientId, byte[] state) {
            puts.add(clientId);
            return new CompletableFuture<>();
        }

        @Override
        public CompletionStage<Void> remove(String clientId) {
            removes.add(clientId);
            return new CompletableFuture<>();
        }
    }

    @Test
    void connectWhoseSessionWriteOutlastsTheTimeout_isRefusedServerUnavailable_andLeavesNoSessionBehind() {
        StalledStore store = new StalledStore();
        Context ctx = context(store, limits(10, 256, 4, 64, 300));
        MqttHarness h = client(ctx);
        h.client.writeOutbound(MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_5).clientId("waiting")
                .cleanSession(false).keepAlive(60).properties(expiry(600)).build());
        assertTrue(h.pump().isEmpty(), "no CONNACK while the write is outstanding");
        List<MqttMessage> answers = new ArrayList<>();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
            answers.addAll(h.pump());
            return !answers.isEmpty();
        });
        assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5,
                code((MqttConnAckMessage) answers.get(0)));
        assertFalse(h.server.isActive());
        assertEquals(1, ctx.stats().event("session_store_timeout"));
        assertEquals(List.of("waiting"), store.puts, "the refused CONNECT's session is not written again on close");
        assertEquals(List.of("waiting"), store.removes, "a tombstone follows the write that may still land");
        assertEquals(0, ctx.sessions().sessionCount());
    }

    private static io.netty.handler.codec.mqtt.MqttProperties expiry(int seconds) {
        var p = new io.netty.handler.codec.mqtt.MqttProperties();
        p.add(new io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty(
                io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), seconds));
        return p;
    }
}
