package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.ingest.InflightBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** MQTT 5 Will Delay Interval: the will waits for the delay or the session's end, and a reconnect cancels it. */
class WillDelayTest {
    private final ManualIngest ingest = new ManualIngest();
    private final Context ctx = MqttHarness.context(MqttHarness.config(64, 4, 4096), ingest,
            new InflightBudget(1 << 20), new MemorySessionStore());
    private final List<MqttHarness> harnesses = new ArrayList<>();

    @AfterEach
    void close() {
        harnesses.forEach(MqttHarness::close);
    }

    /** Connects "dev" over a new connection, with a will to "wills/dev" delayed {@code willDelay} seconds. */
    private MqttHarness connectWithWill(boolean cleanStart, long sessionExpiry, long willDelay) {
        MqttHarness h = new MqttHarness(ctx, ingest);
        harnesses.add(h);
        MqttProperties connectProps = new MqttProperties();
        connectProps.add(new MqttProperties.IntegerProperty(
                MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), (int) sessionExpiry));
        MqttProperties willProps = new MqttProperties();
        willProps.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.WILL_DELAY_INTERVAL.value(),
                (int) willDelay));
        MqttMessage connect = MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_5).clientId("dev")
                .cleanSession(cleanStart).keepAlive(600).properties(connectProps).willFlag(true)
                .willTopic("wills/dev").willMessage("gone".getBytes()).willQoS(MqttQoS.AT_LEAST_ONCE)
                .willProperties(willProps).build();
        MqttConnAckMessage ack = (MqttConnAckMessage) h.send(connect).get(0);
        assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED, ack.variableHeader().connectReturnCode());
        return h;
    }

    /**
     * The socket drops without DISCONNECT. Closed through the pipeline: EmbeddedChannel's own close() also cancels
     * the tasks scheduled on its event loop, which a real event loop does not.
     */
    private static void drop(MqttHarness h) {
        h.server.pipeline().close();
        h.server.runPendingTasks();
    }

    /** Moves the clock of {@code h}'s event loop (where its will waits) and runs what became due. */
    private static void advance(MqttHarness h, long seconds) {
        h.server.advanceTimeBy(seconds, TimeUnit.SECONDS);
        h.server.runScheduledPendingTasks();
        h.server.runPendingTasks();
    }

    @Test
    void willWithADelay_isPublishedWhenTheDelayEnds_notWhenTheConnectionDrops() {
        MqttHarness h = connectWithWill(false, 600, 30);
        drop(h);
        advance(h, 29);
        assertEquals(0, ingest.count(), "the will waits for its delay");
        advance(h, 2);
        assertEquals(1, ingest.count());
        assertEquals("wills/dev", ingest.received.get(0).topic());
        assertEquals(1, ctx.stats().event("will_published"));
    }

    @Test
    void reconnectWithinTheDelay_cancelsTheWill() {
        MqttHarness first = connectWithWill(false, 600, 30);
        drop(first);
        advance(first, 10);
        MqttHarness second = connectWithWill(false, 600, 30);
        assertTrue(second.server.isActive());
        advance(first, 60);
        assertEquals(0, ingest.count(), "no will: the client came back to its session in time");
        assertEquals(1, ctx.stats().event("will_cancelled_by_reconnect"));
    }

    @Test
    void sessionEndingBeforeTheDelay_publishesTheWillThen() {
        MqttHarness h = connectWithWill(false, 10, 600);
        drop(h);
        advance(h, 9);
        assertEquals(0, ingest.count());
        advance(h, 2);
        assertEquals(1, ingest.count(), "the session expired after 10 s: its will goes then");
    }

    @Test
    void cleanStartReconnect_endsTheOldSession_soItsWillIsPublishedAtOnce() {
        MqttHarness first = connectWithWill(false, 600, 300);
        drop(first);
        connectWithWill(true, 600, 300);
        first.server.runPendingTasks();
        assertEquals(1, ingest.count());
    }

    @Test
    void sessionWithoutExpiry_publishesTheWillAtOnce_whateverTheDelay() {
        MqttHarness h = connectWithWill(true, 0, 300);
        drop(h);
        assertEquals(1, ingest.count());
    }
}
