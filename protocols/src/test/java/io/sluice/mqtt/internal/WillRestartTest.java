package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.ingest.Envelope;
import io.sluice.ingest.InflightBudget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A delayed will survives a restart of the node: kept in the sessions topic while it waits, read back by the next
 * run and published when its delay ends (at once when it is overdue or its session is gone), not when its client
 * came back. The "restart" is a second registry and context loading the first one's store, with a clock moved by hand.
 */
class WillRestartTest {
    private final MemorySessionStore store = new MemorySessionStore();
    private final MqttHarness.ManualClock clock = new MqttHarness.ManualClock(1_765_000_000_000L);
    private final ManualIngest firstIngest = new ManualIngest();
    private final Context first = MqttHarness.context(MqttHarness.config(64, 4, 4096), firstIngest,
            new InflightBudget(1 << 20), store, clock);
    private final ManualIngest ingest = new ManualIngest();
    /** The event loop the restarted node re-arms its wills on; its time is moved by hand too. */
    private final EmbeddedChannel loop = new EmbeddedChannel();
    private final List<MqttHarness> harnesses = new ArrayList<>();

    @AfterEach
    void close() {
        harnesses.forEach(MqttHarness::close);
        loop.finishAndReleaseAll();
    }

    private MqttHarness connect(Context ctx, ManualIngest in, boolean cleanStart, long willDelay) {
        MqttHarness h = new MqttHarness(ctx, in);
        harnesses.add(h);
        MqttProperties connectProps = new MqttProperties();
        connectProps.add(new MqttProperties.IntegerProperty(
                MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), 600));
        MqttProperties willProps = new MqttProperties();
        willProps.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.WILL_DELAY_INTERVAL.value(),
                (int) willDelay));
        willProps.add(new MqttProperties.StringProperty(MqttProperties.MqttPropertyType.CONTENT_TYPE.value(),
                "text/plain"));
        willProps.add(new MqttProperties.UserProperty("site", "north"));
        MqttMessage connect = MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_5).clientId("dev")
                .cleanSession(cleanStart).keepAlive(600).properties(connectProps).willFlag(true)
                .willTopic("wills/dev").willMessage("gone".getBytes()).willQoS(MqttQoS.AT_LEAST_ONCE)
                .willProperties(willProps).build();
        MqttConnAckMessage ack = (MqttConnAckMessage) h.send(connect).get(0);
        assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED, ack.variableHeader().connectReturnCode());
        return h;
    }

    /** "dev" connects to the first node with a will delayed {@code delay} s and drops without DISCONNECT. */
    private void droppedWithWill(long delay) {
        MqttHarness h = connect(first, firstIngest, false, delay);
        h.server.pipeline().close();
        h.server.runPendingTasks();
    }

    /** The next run of the node: loads the store and re-arms the wills it holds on {@link #loop}. */
    private Context restart() {
        Context next = MqttHarness.context(MqttHarness.config(64, 4, 4096), ingest, new InflightBudget(1 << 20),
                store, clock);
        next.sessions().rearmWills(next, loop.eventLoop());
        loop.runPendingTasks();
        return next;
    }

    private void advanceLoop(long seconds) {
        loop.advanceTimeBy(seconds, TimeUnit.SECONDS);
        loop.runScheduledPendingTasks();
        loop.runPendingTasks();
    }

    @Test
    void aWaitingWill_isRecordedWithWhenItIsDue() {
        droppedWithWill(30);
        byte[] record = store.data.get(StoredWill.key("dev"));
        assertNotNull(record, "recorded when it started waiting");
        StoredWill w = StoredWill.decode(record);
        assertEquals(clock.millis() + 30_000, w.dueAtMillis());
        assertEquals("wills/dev", w.will().topic());
        assertEquals("5", w.protocolVersion());
        assertEquals(0, firstIngest.count());
    }

    @Test
    void aWillNotYetDue_isPublishedAfterTheRestOfItsDelay_andItsRecordDeleted() {
        droppedWithWill(30);
        clock.advance(Duration.ofSeconds(10)); // the node was down 10 s
        Context next = restart();
        advanceLoop(19);
        assertEquals(0, ingest.count(), "20 s of its delay are left");
        assertTrue(store.data.containsKey(StoredWill.key("dev")));
        advanceLoop(2);
        assertEquals(1, ingest.count());
        Envelope e = ingest.received.get(0);
        assertEquals("dev", e.clientId());
        assertEquals("wills/dev", e.topic());
        assertEquals("gone", new String(e.payload()));
        assertEquals(1, e.qos());
        assertEquals("5", e.protocolVersion());
        assertEquals("text/plain", e.contentType());
        assertEquals(List.of(new Envelope.UserProperty("site", "north")), e.userProperties());
        assertEquals(1, next.stats().event("will_published"));
        assertFalse(store.data.containsKey(StoredWill.key("dev")), "deleted once published");
    }

    @Test
    void anOverdueWill_isPublishedAtStartUp() {
        droppedWithWill(30);
        clock.advance(Duration.ofSeconds(31));
        restart();
        assertEquals(1, ingest.count());
        assertEquals("wills/dev", ingest.received.get(0).topic());
        assertFalse(store.data.containsKey(StoredWill.key("dev")));
    }

    @Test
    void aWillWhoseSessionIsGone_isPublishedAtStartUp_whateverItsDelay() {
        droppedWithWill(300);
        store.data.remove("dev"); // its session ended (a tombstone the will's deletion did not follow)
        restart();
        assertEquals(1, ingest.count());
    }

    @Test
    void aReconnectAfterTheRestart_withinTheDelay_cancelsTheWill() {
        droppedWithWill(30);
        Context next = restart();
        connect(next, ingest, false, 300);
        advanceLoop(60);
        assertEquals(0, ingest.count(), "the client came back to its session in time");
        assertEquals(1, next.stats().event("will_cancelled_by_reconnect"));
        assertFalse(store.data.containsKey(StoredWill.key("dev")), "its record is deleted");
    }

    @Test
    void aFailedRecordWrite_isCounted_andTheWillStillFiresOnThisNode() {
        MqttHarness h = connect(first, firstIngest, false, 30);
        store.failing = true;
        h.server.pipeline().close();
        h.server.runPendingTasks();
        assertEquals(1, first.stats().event("will_record_failed"));
        h.server.advanceTimeBy(31, TimeUnit.SECONDS);
        h.server.runScheduledPendingTasks();
        h.server.runPendingTasks();
        assertEquals(1, firstIngest.count());
    }

    @Test
    void aWillPublishedOnTheFirstNode_isNotPublishedAgainAfterARestart() {
        MqttHarness h = connect(first, firstIngest, false, 30);
        h.server.pipeline().close();
        h.server.runPendingTasks();
        h.server.advanceTimeBy(31, TimeUnit.SECONDS);
        h.server.runScheduledPendingTasks();
        h.server.runPendingTasks();
        assertEquals(1, firstIngest.count());
        clock.advance(Duration.ofSeconds(31));
        restart();
        assertEquals(0, ingest.count());
    }

    @Test
    void aCleanStartAfterTheRestart_endsTheOldSession_soItsRestoredWillIsPublishedAtOnce() {
        droppedWithWill(300);
        Context next = restart();
        connect(next, ingest, true, 300);
        loop.runPendingTasks();
        assertEquals(1, ingest.count());
        assertEquals("wills/dev", ingest.received.get(0).topic());
        assertFalse(store.data.containsKey(StoredWill.key("dev")));
    }

    @Test
    void anUndecodableStoredWill_isCountedAndSkipped_andNothingIsPublished() {
        store.data.put(StoredWill.key("dev"), new byte[] {9, 1, 2});
        Context next = restart();
        advanceLoop(3_600);
        assertEquals(0, ingest.count());
        assertEquals(1, next.stats().event("session_undecodable"));
    }

    @Test
    void aWillLeftByAnotherNode_isNotRearmedHere_andItsRecordStays() {
        droppedWithWill(30);
        StoredWill mine = StoredWill.decode(store.data.get(StoredWill.key("dev")));
        StoredWill theirs = new StoredWill(mine.will(), mine.retain(), mine.protocolVersion(), mine.identity(),
                mine.dueAtMillis(), "node-b");
        store.data.put(StoredWill.key("dev"), theirs.encode());
        clock.advance(Duration.ofSeconds(60));
        restart();
        advanceLoop(60);
        assertEquals(0, ingest.count(), "node-b holds it, or re-arms it when it starts");
        assertTrue(store.data.containsKey(StoredWill.key("dev")));
    }

    @Test
    void aWillWhoseClientResumedOnAnotherNode_isCancelledAtStartUp_andItsRecordDeleted() {
        droppedWithWill(300);
        SessionState stored = SessionCodec.decode(store.data.get("dev"));
        store.data.put("dev", SessionCodec.encode(new SessionState("dev", 5, stored.expirySeconds(), 0,
                stored.subscriptions(), stored.subscriptionIds(), "node-b"))); // connected on node-b now
        Context next = restart();
        advanceLoop(600);
        assertEquals(0, ingest.count(), "the client came back to its session in time, on another node");
        assertEquals(1, next.stats().event("will_cancelled_by_reconnect"));
        assertFalse(store.data.containsKey(StoredWill.key("dev")), "its record is deleted");
    }

    @Test
    void aStoredWill_namesTheNodeWhoseConnectionLeftIt() {
        StoredWill w = new StoredWill(new Packets.Will("t", new byte[] {1}, 1, 5, null, List.of(),
                new Packets.Forwarded(0, -1, null, null)), false, "5", io.sluice.security.Identity.ANONYMOUS, 9,
                "node-a");
        assertEquals("node-a", StoredWill.decode(w.encode()).node());
    }
}
