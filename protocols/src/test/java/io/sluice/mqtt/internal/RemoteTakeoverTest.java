package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.ingest.InflightBudget;
import io.sluice.mqtt.MqttStats;
import io.sluice.mqtt.SessionLimits;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Takeover across nodes as the sessions log orders it: a later CONNECT on another node ends the connection here. */
class RemoteTakeoverTest {
    private final FleetStore store = new FleetStore("n1");
    private final ManualIngest ingest = new ManualIngest();
    private final Context ctx;
    private final MqttHarness h;

    RemoteTakeoverTest() {
        MqttStats stats = new MqttStats();
        SessionRegistry registry = new SessionRegistry(store, java.time.Clock.systemUTC(), stats,
                SessionLimits.defaults(), "n1");
        registry.load();
        registry.follow();
        ctx = new Context(MqttHarness.config(64, 4, 4096), ingest, new InflightBudget(1 << 20), registry, stats,
                java.time.Clock.systemUTC(), new AtomicLong(), new AtomicBoolean(true));
        h = new MqttHarness(ctx, ingest);
    }

    @AfterEach
    void close() {
        h.close();
    }

    private static SessionState connectedOn(String node, String id, long expiry) {
        return new SessionState(id, 5, expiry, 0, Map.of(), Map.of(), node);
    }

    @Test
    void aNonPersistentClient_writesItsPresence_andIsTakenOver_byALaterConnectOnAnotherNode_withDisconnect8E() {
        assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED,
                h.connect(MqttVersion.MQTT_5, "dev", true, 0).variableHeader().connectReturnCode());
        SessionState presence = SessionCodec.decode(store.data.get("dev"));
        assertEquals(List.of(0L, 0L, "n1"), List.of(presence.expirySeconds(), presence.disconnectedAtMillis(),
                presence.node()), "a presence record: expiry 0, connected, on this node");
        store.echoOwn();
        int writes = store.writes.size();

        store.remote("n2", "dev", connectedOn("n2", "dev", 0));
        List<MqttMessage> answers = h.pump();

        assertEquals(1, answers.size(), answers.toString());
        assertEquals(MqttMessageType.DISCONNECT, answers.get(0).fixedHeader().messageType());
        assertEquals((byte) 0x8E,
                ((MqttReasonCodeAndPropertiesVariableHeader) answers.get(0).variableHeader()).reasonCode());
        assertFalse(h.server.isActive());
        assertEquals(1, ctx.stats().event("session_taken_over_remote"));
        assertEquals(writes, store.writes.size(), "the yielding connection writes nothing over n2's record");
        assertEquals("n2", SessionCodec.decode(store.data.get("dev")).node());
        assertTrue(ctx.sessions().connectedElsewhere("dev"));
    }

    @Test
    void aRemoteConnectBeforeThisNodesOwnRecord_endsNothing_theOtherNodeYields() {
        h.connect(MqttVersion.MQTT_5, "dev", false, 600);
        // n2's record reaches the log before this node's, which is still on its way
        store.remote("n2", "dev", connectedOn("n2", "dev", 600));
        h.pump();
        assertTrue(h.server.isActive());

        store.echoOwn();
        h.pump();
        assertTrue(h.server.isActive(), "this node's record is the later one");
        assertEquals(0, ctx.stats().event("session_taken_over_remote"));
    }

    @Test
    void aRemoteConnectReadWhileACONNECTHereIsBeingHandled_beforeItsRecordIsWritten_endsNothing() {
        var channel = new io.netty.channel.embedded.EmbeddedChannel();
        Connection connecting = new Connection(channel, ctx);
        connecting.clientId = "dev";
        ctx.sessions().register("dev", connecting); // its record is written later (after QoS 2 writes settle, ...)

        store.remote("n2", "dev", connectedOn("n2", "dev", 600));
        channel.runPendingTasks();

        assertFalse(connecting.takenOver(), "this node's record comes later in the log: the other node yields");
        assertEquals(1, ctx.stats().event("session_remote_superseded"));
        channel.finishAndReleaseAll();
    }

    @Test
    void aRemoteDisconnectedRecord_afterThisNodesOwn_leavesTheLiveConnectionAlone() {
        h.connect(MqttVersion.MQTT_5, "dev", false, 600);
        store.echoOwn();

        store.remote("n2", "dev", new SessionState("dev", 5, 600, 123, Map.of(), Map.of(), "n2"));
        h.pump();

        assertTrue(h.server.isActive());
        assertEquals(0, ctx.stats().event("session_taken_over_remote"));
    }

    @Test
    void aPersistentSessionTakenOverRemotely_isNotRewrittenAsDisconnected_andNoWillIsPublished() {
        h.send(io.netty.handler.codec.mqtt.MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_5)
                .clientId("dev").cleanSession(false).keepAlive(60).willFlag(true).willTopic("will/dev")
                .willMessage(new byte[] {1}).properties(sessionExpiry(600)).build());
        store.echoOwn();
        int writes = store.writes.size();

        store.remote("n2", "dev", connectedOn("n2", "dev", 600));
        h.pump();

        assertFalse(h.server.isActive());
        assertEquals(writes, store.writes.size());
        assertEquals(0, ingest.count(), "the session lives on at n2: no will");
        assertEquals(0, ctx.stats().event("will_published"));
    }

    /** CONNECT of "dev" (MQTT 5, clean start off) with a will to "will/dev" delayed {@code willDelay} seconds. */
    private void connectWithWill(int expiry, int willDelay) {
        var willProps = new io.netty.handler.codec.mqtt.MqttProperties();
        willProps.add(new io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty(
                io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType.WILL_DELAY_INTERVAL.value(), willDelay));
        h.send(io.netty.handler.codec.mqtt.MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_5)
                .clientId("dev").cleanSession(false).keepAlive(60).willFlag(true).willTopic("will/dev")
                .willMessage(new byte[] {1}).willProperties(willProps).properties(sessionExpiry(expiry)).build());
    }

    @Test
    void aSessionWithoutExpiryTakenOverRemotely_endsWithItsConnection_soItsWillIsPublished() {
        connectWithWill(0, 0);
        store.echoOwn();

        store.remote("n2", "dev", connectedOn("n2", "dev", 0));
        h.pump();

        assertFalse(h.server.isActive());
        assertEquals(1, ctx.stats().event("will_published"));
        assertEquals("will/dev", ingest.received.get(0).topic());
    }

    @Test
    void aPersistentSessionEndedByACleanStartOnAnotherNode_publishesTheWillOfTheConnectionItTakesOver() {
        connectWithWill(600, 30);
        store.echoOwn();

        store.remote("n2", "dev", null); // the clean start's tombstone, then its connected record
        store.remote("n2", "dev", connectedOn("n2", "dev", 600));
        h.pump();

        assertFalse(h.server.isActive());
        assertEquals(1, ctx.stats().event("will_published"));
    }

    @Test
    void aWillWaitingOutItsDelay_isCancelled_whenTheClientResumesItsSessionOnAnotherNode() {
        connectWithWill(600, 30);
        h.server.pipeline().close(); // dropped without DISCONNECT: the will waits 30 s
        h.server.runPendingTasks();
        assertEquals(1, ctx.stats().event("will_delayed"));
        store.echoOwn();

        store.remote("n2", "dev", connectedOn("n2", "dev", 600));

        assertEquals(1, ctx.stats().event("will_cancelled_by_reconnect"));
        h.server.advanceTimeBy(31, java.util.concurrent.TimeUnit.SECONDS);
        h.server.runScheduledPendingTasks();
        assertEquals(0, ctx.stats().event("will_published"));
    }

    @Test
    void aPersistentSessionWrittenDisconnectedByAnotherNodeAfterThisNodesRecord_isWrittenAgainAsConnectedHere() {
        h.connect(MqttVersion.MQTT_5, "dev", false, 600);
        store.echoOwn();
        int writes = store.writes.size();

        // that node's older connection of the client closed after this one connected, and wrote so
        store.remote("n2", "dev", new SessionState("dev", 5, 600, 123, Map.of(), Map.of(), "n2"));
        h.pump();

        assertTrue(h.server.isActive());
        assertEquals(writes + 1, store.writes.size());
        SessionState again = SessionCodec.decode(store.data.get("dev"));
        assertEquals(List.of(0L, "n1"), List.of(again.disconnectedAtMillis(), again.node()));
        assertEquals(1, ctx.stats().event("session_reasserted"));
    }

    private static io.netty.handler.codec.mqtt.MqttProperties sessionExpiry(int seconds) {
        var p = new io.netty.handler.codec.mqtt.MqttProperties();
        p.add(new io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty(
                io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), seconds));
        return p;
    }

    @Test
    void aResumingConnect_waitsUntilThisNodeHasReadWhatOtherNodesWrote_soASubscribeMadeOnAnotherNodeAMomentAgoStands() {
        store.remote("n2", "someone", connectedOn("n2", "someone", 0)); // other nodes share the log
        store.catchUp = new java.util.concurrent.CompletableFuture<>();

        List<MqttMessage> answers = h.send(io.netty.handler.codec.mqtt.MqttMessageBuilders.connect()
                .protocolVersion(MqttVersion.MQTT_3_1_1).clientId("dev").cleanSession(false).keepAlive(60).build());
        assertTrue(answers.isEmpty(), "no CONNACK before this node has caught up: " + answers);
        assertEquals(1, store.catchUps);

        // the follower reads the session the client made on n2 just before it came here, then the wait ends
        store.remote("n2", "dev", new SessionState("dev", 4, 3600, System.currentTimeMillis(), Map.of("cmd/dev", 1),
                Map.of(), "n2"));
        store.catchUp.complete(null);
        answers = h.pump();

        assertEquals(1, answers.size(), answers.toString());
        io.netty.handler.codec.mqtt.MqttConnAckMessage ack = (io.netty.handler.codec.mqtt.MqttConnAckMessage) answers.get(0);
        assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED, ack.variableHeader().connectReturnCode());
        assertTrue(ack.variableHeader().isSessionPresent(), "the session made on n2 is resumed here");
        assertEquals(Map.of("cmd/dev", 1), ctx.sessions().get("dev").subscriptions());
    }

    @Test
    void whenTheLogCannotSayWhereItEnds_aResumingConnectGoesOnWithWhatThisNodeKnows_andIsCounted() {
        store.remote("n2", "someone", connectedOn("n2", "someone", 0));
        store.catchUp = java.util.concurrent.CompletableFuture.failedFuture(new RuntimeException("Kafka unreachable"));

        var ack = h.connect(MqttVersion.MQTT_3_1_1, "dev", false, 0);

        assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED, ack.variableHeader().connectReturnCode());
        assertFalse(ack.variableHeader().isSessionPresent());
        assertEquals(1, ctx.stats().event("session_catch_up_failed"));
    }

    @Test
    void aNodeThatHasSeenNoOtherNode_andACleanStart_doNotWait() {
        store.catchUp = new java.util.concurrent.CompletableFuture<>(); // would never end

        assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED,
                h.connect(MqttVersion.MQTT_3_1_1, "alone", false, 0).variableHeader().connectReturnCode());
        store.remote("n2", "someone", connectedOn("n2", "someone", 0));
        MqttHarness clean = new MqttHarness(ctx, ingest);
        try {
            assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED,
                    clean.connect(MqttVersion.MQTT_3_1_1, "clean", true, 0).variableHeader().connectReturnCode());
        } finally {
            clean.close();
        }
        assertEquals(0, store.catchUps);
    }
}
