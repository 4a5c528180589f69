package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.ingest.InflightBudget;
import io.sluice.mqtt.MqttConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * mqtt.server_references on an EmbeddedChannel with real MQTT bytes: a stop and a drain send MQTT 5 clients
 * DISCONNECT 0x9C (use another server) with a Server Reference, in turn; a full node answers an MQTT 5 CONNECT with
 * CONNACK 0x9C; without references everything is as before (0x8B, closed before CONNACK).
 */
class ServerReferencesTest {
    private final List<MqttHarness> harnesses = new ArrayList<>();

    private static Context context(int maxConnections, List<String> references) {
        MqttConfig config = new MqttConfig("127.0.0.1", 0, 1, maxConnections, 4096, 64, 4, 3600, 10_000, 1200,
                30_000, 32L << 20, references);
        return MqttHarness.context(config, new ManualIngest(), new InflightBudget(1 << 20), new MemorySessionStore());
    }

    private MqttHarness harness(Context ctx) {
        MqttHarness h = new MqttHarness(ctx, (ManualIngest) ctx.ingest());
        harnesses.add(h);
        return h;
    }

    @AfterEach
    void close() {
        harnesses.forEach(MqttHarness::close);
    }

    private static MqttHandler handler(MqttHarness h) {
        return h.server.pipeline().get(MqttHandler.class);
    }

    private static MqttReasonCodeAndPropertiesVariableHeader disconnect(List<MqttMessage> answers) {
        assertEquals(1, answers.size(), answers.toString());
        assertEquals(MqttMessageType.DISCONNECT, answers.get(0).fixedHeader().messageType());
        return (MqttReasonCodeAndPropertiesVariableHeader) answers.get(0).variableHeader();
    }

    private static String serverReference(MqttProperties props) {
        MqttProperties.MqttProperty<?> p = props.getProperty(MqttProperties.MqttPropertyType.SERVER_REFERENCE.value());
        return p == null ? null : (String) p.value();
    }

    @Test
    void aStop_withReferences_tellsEachMqtt5Client0x9C_withTheReferencesInTurn() {
        Context ctx = context(100, List.of("node-2:1883", "node-3:1883"));
        List<String> told = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            MqttHarness h = harness(ctx);
            assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED,
                    h.connect(MqttVersion.MQTT_5, "c" + i, true, 0).variableHeader().connectReturnCode());
            handler(h).shuttingDown(h.server);
            MqttReasonCodeAndPropertiesVariableHeader d = disconnect(h.pump());
            assertEquals(0x9C, d.reasonCode() & 0xff);
            told.add(serverReference(d.properties()));
        }
        assertEquals(List.of("node-2:1883", "node-3:1883", "node-2:1883"), told);
        assertEquals(3, ctx.stats().event("disconnect_use_another_server"));
        assertEquals(0, ctx.stats().event("disconnect_server_shutting_down"));
    }

    @Test
    void aStop_withoutReferences_tellsMqtt5Clients0x8B_withoutAReference() {
        Context ctx = context(100, List.of());
        MqttHarness h = harness(ctx);
        h.connect(MqttVersion.MQTT_5, "c", true, 0);
        handler(h).shuttingDown(h.server);
        MqttReasonCodeAndPropertiesVariableHeader d = disconnect(h.pump());
        assertEquals(0x8B, d.reasonCode() & 0xff);
        assertNull(serverReference(d.properties()));
        assertEquals(1, ctx.stats().event("disconnect_server_shutting_down"));
    }

    @Test
    void aDrainsEnd_closesAnMqtt5ClientAfter0x9C_andWritesItsPersistentSessionDisconnected() throws Exception {
        Context ctx = context(100, List.of("node-2:1883"));
        MqttHarness h = harness(ctx);
        h.connect(MqttVersion.MQTT_5, "persistent", false, 3600);
        assertEquals(0, ctx.sessions().get("persistent").disconnectedAtMillis(), "connected");
        MqttHandler handler = handler(h);
        io.netty.util.concurrent.Future<Boolean> ended = handler.endForDrain(h.server);
        MqttReasonCodeAndPropertiesVariableHeader d = disconnect(h.pump());
        assertEquals(0x9C, d.reasonCode() & 0xff);
        assertEquals("node-2:1883", serverReference(d.properties()));
        assertTrue(ended.get(), "this call ended it");
        assertFalse(h.server.isActive(), "closed after the DISCONNECT");
        assertTrue(ctx.sessions().get("persistent").disconnectedAtMillis() > 0, "the session was written disconnected");
        io.netty.util.concurrent.Future<Boolean> again = handler.endForDrain(h.server);
        h.pump();
        assertFalse(again.get(), "a closed connection is not ended twice");
    }

    @Test
    void aDrainsEnd_closesAClientThatReadsNothing_afterTheWriteTimeout_evenWithTheDisconnectUnwritten() {
        Context ctx = context(100, List.of("node-2:1883"));
        MqttHarness h = harness(ctx);
        h.connect(MqttVersion.MQTT_5, "stalled", true, 0);
        // a client whose socket takes nothing more: writes never complete
        h.server.pipeline().addFirst(new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void write(io.netty.channel.ChannelHandlerContext c, Object msg,
                              io.netty.channel.ChannelPromise promise) {
                io.netty.util.ReferenceCountUtil.release(msg);
            }

            @Override
            public void flush(io.netty.channel.ChannelHandlerContext c) {
            }
        });
        handler(h).endForDrain(h.server);
        h.pump();
        assertTrue(h.server.isActive(), "the DISCONNECT is not written yet");
        h.server.advanceTimeBy(Connection.DRAIN_DISCONNECT_WRITE_MS - 1, java.util.concurrent.TimeUnit.MILLISECONDS);
        h.server.runScheduledPendingTasks();
        assertTrue(h.server.isActive());
        h.server.advanceTimeBy(1, java.util.concurrent.TimeUnit.MILLISECONDS);
        h.server.runScheduledPendingTasks();
        assertFalse(h.server.isActive(), "closed anyway");
    }

    @Test
    void aDrainsEnd_closesAnMqtt311Client_withoutAPacket() throws Exception {
        Context ctx = context(100, List.of("node-2:1883"));
        MqttHarness h = harness(ctx);
        assertNotNull(h.connect(MqttVersion.MQTT_3_1_1, "old", true, 0));
        io.netty.util.concurrent.Future<Boolean> ended = handler(h).endForDrain(h.server);
        assertEquals(List.of(), h.pump(), "MQTT 3.1.1 has no server DISCONNECT");
        assertTrue(ended.get());
        assertFalse(h.server.isActive());
        assertEquals(0, ctx.stats().event("disconnect_use_another_server"));
    }

    @Test
    void aFullNode_withReferences_answersAnMqtt5Connect0x9C_andClosesAnMqtt311OneWithoutConnack() {
        Context ctx = context(1, List.of("node-2:1883", "node-3:1883"));
        MqttHarness first = harness(ctx);
        assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED,
                first.connect(MqttVersion.MQTT_5, "first", true, 0).variableHeader().connectReturnCode());

        MqttHarness v5 = harness(ctx);
        assertTrue(v5.server.isActive(), "kept until its CONNECT, to be told where to go");
        MqttConnAckMessage ack = v5.connect(MqttVersion.MQTT_5, "second", true, 0);
        assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_USE_ANOTHER_SERVER, ack.variableHeader().connectReturnCode());
        assertEquals("node-2:1883", serverReference(ack.variableHeader().properties()));
        assertFalse(v5.server.isActive(), "closed after the CONNACK");
        assertNull(ctx.sessions().get("second"));

        MqttHarness v311 = harness(ctx);
        assertNull(v311.connect(MqttVersion.MQTT_3_1_1, "third", true, 0), "no CONNACK, as a full node always did");
        assertFalse(v311.server.isActive());
        assertEquals(2, ctx.stats().event("max_connections_refused"));
        assertTrue(first.server.isActive(), "the connection within the bound is untouched");
    }

    @Test
    void aFullNode_withoutReferences_closesANewConnectionAtOnce() {
        Context ctx = context(1, List.of());
        harness(ctx).connect(MqttVersion.MQTT_5, "first", true, 0);
        MqttHarness second = harness(ctx);
        second.pump();
        assertFalse(second.server.isActive(), "closed before any CONNECT");
        assertEquals(1, ctx.stats().event("max_connections_refused"));
    }

    @Test
    void aFullNode_withReferences_keepsAtMostItsMarginWaiting() {
        Context ctx = context(1, List.of("node-2:1883"));
        harness(ctx).connect(MqttVersion.MQTT_5, "first", true, 0);
        for (int i = 0; i < MqttHandler.OVER_CAPACITY_WAITING; i++) {
            assertTrue(harness(ctx).server.isActive(), "waiting " + i);
        }
        MqttHarness beyond = harness(ctx);
        beyond.pump();
        assertFalse(beyond.server.isActive(), "past the margin: closed at once");
        assertEquals(1, ctx.stats().event("max_connections_refused"));
    }

    @Test
    void theConfig_refusesAReferenceWithASpaceOrComma() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> MqttConfig.loopback().withServerReferences(List.of("a b:1883")));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> MqttConfig.loopback().withServerReferences(List.of("a:1,b:2")));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> MqttConfig.loopback().withServerReferences(List.of("")));
    }
}
