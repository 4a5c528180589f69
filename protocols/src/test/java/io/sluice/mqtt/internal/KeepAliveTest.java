package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.ingest.Delivery;
import io.sluice.ingest.InflightBudget;
import io.sluice.mqtt.MqttConfig;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Timers on the embedded event loop's own clock: keep-alive at 1.5x (with the server's maximum), the packet arrival
 * limit, the CONNECT timeout, and that none of them runs while Sluice itself has stopped reading the socket.
 */
class KeepAliveTest {
    private MqttHarness h;

    @AfterEach
    void close() {
        h.close();
    }

    private MqttHarness harness() {
        return harness(MqttHarness.config(64, 4, 4096), 1 << 20);
    }

    private ManualIngest ingest;

    private MqttHarness harness(MqttConfig config, long budgetBytes) {
        ingest = new ManualIngest();
        h = new MqttHarness(MqttHarness.context(config, ingest, new InflightBudget(budgetBytes),
                new MemorySessionStore()), ingest);
        return h;
    }

    /** The harness config with another keep-alive maximum, packet arrival limit and receive maximum. */
    private static MqttConfig limits(int receiveMaximum, int maxKeepAliveSeconds, int packetArrivalTimeoutMs) {
        return new MqttConfig("127.0.0.1", 0, 1, 100, 4096, receiveMaximum, 4, 3600, 10_000, maxKeepAliveSeconds,
                packetArrivalTimeoutMs, 32L << 20);
    }

    private static int disconnectReason(MqttMessage m) {
        assertEquals(MqttMessageType.DISCONNECT, m.fixedHeader().messageType());
        return ((MqttReasonCodeAndPropertiesVariableHeader) m.variableHeader()).reasonCode() & 0xff;
    }

    private static Object property(MqttMessage connAck, MqttProperties.MqttPropertyType type) {
        MqttProperties.MqttProperty<?> p = ((MqttConnAckMessage) connAck).variableHeader().properties()
                .getProperty(type.value());
        return p == null ? null : p.value();
    }

    /** The encoded bytes of a client packet. */
    private static byte[] bytes(MqttMessage m) {
        EmbeddedChannel enc = new EmbeddedChannel(MqttEncoder.INSTANCE);
        enc.writeOutbound(m);
        ByteBuf out = enc.readOutbound();
        byte[] b = ByteBufUtil.getBytes(out);
        out.release();
        enc.finishAndReleaseAll();
        return b;
    }

    @Test
    void silentClient_isDisconnected_afterOneAndAHalfTimesItsKeepAlive() {
        MqttHarness h = harness();
        h.send(MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_5).clientId("sleepy").keepAlive(10).build());
        h.server.advanceTimeBy(14, TimeUnit.SECONDS);
        assertTrue(h.pump().isEmpty(), "still within 1.5 x 10 s");
        assertTrue(h.server.isActive());
        h.server.advanceTimeBy(2, TimeUnit.SECONDS);
        List<MqttMessage> answers = h.pump();
        assertEquals(0x8D, ((MqttReasonCodeAndPropertiesVariableHeader) answers.get(0).variableHeader()).reasonCode() & 0xff,
                "DISCONNECT keep alive timeout");
        assertFalse(h.server.isActive());
        assertEquals(1, h.ctx.stats().event("keep_alive_timeout"));
    }

    @Test
    void silentClient_withAWill_hasItsWillPublished_whenTheKeepAliveRunsOut() {
        for (MqttVersion version : List.of(MqttVersion.MQTT_3_1_1, MqttVersion.MQTT_5)) {
            MqttHarness h = harness();
            h.send(MqttMessageBuilders.connect().protocolVersion(version).clientId("sleepy").keepAlive(10)
                    .willFlag(true).willTopic("wills/sleepy").willMessage("gone".getBytes())
                    .willQoS(io.netty.handler.codec.mqtt.MqttQoS.AT_MOST_ONCE).build());
            h.server.advanceTimeBy(16, TimeUnit.SECONDS);
            h.pump();
            h.server.runPendingTasks();
            assertFalse(h.server.isActive());
            assertEquals(1, ingest.count(), "the server closed the connection, not the client: the will is owed ("
                    + version + ")");
            assertEquals("wills/sleepy", ingest.received.get(0).topic());
            assertEquals(1, h.ctx.stats().event("will_published"));
            h.close();
        }
    }

    @Test
    void pingsKeepAConnectionAlive() {
        MqttHarness h = harness();
        h.send(MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_3_1_1).clientId("pinger").keepAlive(10).build());
        for (int i = 0; i < 5; i++) {
            h.server.advanceTimeBy(10, TimeUnit.SECONDS);
            h.send(MqttHarness.pingReq());
        }
        assertTrue(h.server.isActive());
    }

    @Test
    void connectionWithoutConnect_isClosedAfterTheConnectTimeout() {
        MqttHarness h = harness();
        h.server.advanceTimeBy(10_001, TimeUnit.MILLISECONDS);
        h.pump();
        assertFalse(h.server.isActive());
        assertEquals(1, h.ctx.stats().event("connect_timeout"));
    }

    @Test
    void keepAliveZero_getsTheServerMaximum_advertisedToMqtt5_andEnforcedAtOneAndAHalfTimesIt() {
        MqttHarness h = harness(limits(64, 20, 30_000), 1 << 20);
        List<MqttMessage> answers = h.send(MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_5)
                .clientId("no-keepalive").keepAlive(0).build());
        assertEquals(20, property(answers.get(0), MqttProperties.MqttPropertyType.SERVER_KEEP_ALIVE));
        h.server.advanceTimeBy(29, TimeUnit.SECONDS);
        assertTrue(h.pump().isEmpty());
        assertTrue(h.server.isActive(), "within 1.5 x 20 s");
        h.server.advanceTimeBy(2, TimeUnit.SECONDS);
        assertEquals(0x8D, disconnectReason(h.pump().get(0)));
        assertFalse(h.server.isActive());
        assertEquals(1, h.ctx.stats().event("keep_alive_timeout"));
    }

    @Test
    void mqtt311_keepAliveAboveTheMaximum_isEnforcedAtOneAndAHalfTimesTheServersLimit() {
        MqttHarness h = harness(limits(64, 20, 30_000), 1 << 20);
        h.send(MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_3_1_1).clientId("long-keepalive")
                .keepAlive(600).build());
        h.server.advanceTimeBy(29, TimeUnit.SECONDS);
        h.pump();
        assertTrue(h.server.isActive());
        h.server.advanceTimeBy(2, TimeUnit.SECONDS);
        h.pump();
        assertFalse(h.server.isActive(), "closed after 1.5 x 20 s, not 1.5 x 600 s");
        assertEquals(1, h.ctx.stats().event("keep_alive_timeout"));
    }

    @Test
    void mqtt5_keepAliveWithinTheMaximum_isKept_andNoServerKeepAliveIsSent() {
        MqttHarness h = harness(limits(64, 20, 30_000), 1 << 20);
        List<MqttMessage> answers = h.send(MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_5)
                .clientId("short-keepalive").keepAlive(10).build());
        assertNull(property(answers.get(0), MqttProperties.MqttPropertyType.SERVER_KEEP_ALIVE));
        h.server.advanceTimeBy(16, TimeUnit.SECONDS);
        h.pump();
        assertFalse(h.server.isActive(), "its own 10 s keep alive applies");
    }

    @Test
    void keepAlive_doesNotRunOut_whileSluicePausedReads_forTheInflightBudget_andRestartsOnResume() {
        MqttHarness h = harness(limits(64, 1200, 30_000), 1500);
        h.send(MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_3_1_1).clientId("patient")
                .keepAlive(10).build());
        h.send(MqttHarness.publish("t", 1, 1, new byte[1000]), MqttHarness.publish("t", 1, 2, new byte[1000]));
        assertFalse(h.server.config().isAutoRead(), "the second PUBLISH waits for budget: reads paused");
        h.server.advanceTimeBy(120, TimeUnit.SECONDS); // Kafka is slow: far beyond 1.5 x 10 s
        h.pump();
        assertTrue(h.server.isActive(), "a client Sluice does not read is not timed out");
        assertEquals(0, h.ctx.stats().event("keep_alive_timeout"));

        h.ingest.complete(0, Delivery.DELIVERED);
        h.pump();
        assertTrue(h.server.config().isAutoRead(), "reading resumed");
        h.server.advanceTimeBy(14, TimeUnit.SECONDS);
        h.pump();
        assertTrue(h.server.isActive(), "a whole keep-alive period from the resume");
        h.server.advanceTimeBy(2, TimeUnit.SECONDS);
        h.pump();
        assertFalse(h.server.isActive(), "then the keep alive applies again");
    }

    @Test
    void keepAlive_doesNotRunOut_whileSluicePausedReads_atTheReceiveMaximum() {
        MqttHarness h = harness(limits(1, 1200, 30_000), 1 << 20);
        h.send(MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_3_1_1).clientId("awaiting-kafka")
                .keepAlive(10).build());
        h.send(MqttHarness.publish("t", 1, 1, new byte[10]));
        assertFalse(h.server.config().isAutoRead(), "one unacknowledged QoS 1 PUBLISH: reads paused");
        h.server.advanceTimeBy(300, TimeUnit.SECONDS);
        h.pump();
        assertTrue(h.server.isActive());
        h.ingest.complete(0, Delivery.DELIVERED);
        assertEquals(MqttMessageType.PUBACK, h.pump().get(0).fixedHeader().messageType());
        assertTrue(h.server.isActive());
    }

    @Test
    void startedPacket_notWholeWithinTheArrivalLimit_isDisconnected_evenWithKeepAliveZero() {
        MqttHarness h = harness(limits(64, 1200, 30_000), 1 << 20);
        h.send(MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_5).clientId("loris").keepAlive(0).build());
        byte[] publish = bytes(MqttHarness.publish("t/loris", 1, 1, new byte[2000]));
        assertTrue(h.sendRaw(Arrays.copyOf(publish, 100)).isEmpty());
        h.server.advanceTimeBy(29, TimeUnit.SECONDS);
        assertTrue(h.pump().isEmpty());
        assertTrue(h.server.isActive());
        h.server.advanceTimeBy(2, TimeUnit.SECONDS);
        List<MqttMessage> answers = h.pump();
        assertEquals(0x83, disconnectReason(answers.get(0)));
        assertFalse(h.server.isActive());
        assertEquals(1, h.ctx.stats().event("packet_arrival_timeout"));
        assertTrue(h.ingest.received.isEmpty());
    }

    @Test
    void tricklingBytes_doNotExtendTheArrivalLimit() {
        MqttHarness h = harness(limits(64, 1200, 30_000), 1 << 20);
        h.send(MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_3_1_1).clientId("trickle")
                .keepAlive(60).build());
        byte[] publish = bytes(MqttHarness.publish("t/trickle", 1, 1, new byte[2000]));
        for (int i = 0; i < 7 && h.server.isActive(); i++) { // one byte every 5 s
            h.sendRaw(new byte[] {publish[i]});
            h.server.advanceTimeBy(5, TimeUnit.SECONDS);
            h.pump();
        }
        assertFalse(h.server.isActive(), "closed 30 s after the packet's first byte");
        assertEquals(1, h.ctx.stats().event("packet_arrival_timeout"));
    }

    @Test
    void packetArrivingInPieces_withinTheLimit_isTaken_andTheConnectionStays() {
        MqttHarness h = harness(limits(64, 1200, 30_000), 1 << 20);
        h.send(MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_5).clientId("slow-link")
                .keepAlive(60).build());
        byte[] publish = bytes(MqttHarness.publish("t/slow", 0, 0, new byte[2000]));
        h.sendRaw(Arrays.copyOfRange(publish, 0, 1));
        h.server.advanceTimeBy(10, TimeUnit.SECONDS);
        h.sendRaw(Arrays.copyOfRange(publish, 1, 1000));
        h.server.advanceTimeBy(10, TimeUnit.SECONDS);
        h.sendRaw(Arrays.copyOfRange(publish, 1000, publish.length));
        assertEquals(1, h.ingest.received.size());
        h.server.advanceTimeBy(60, TimeUnit.SECONDS);
        h.pump();
        assertTrue(h.server.isActive(), "no partial packet left, and within 1.5 x 60 s of the last packet");
        assertEquals(0, h.ctx.stats().event("packet_arrival_timeout"));
    }
}
