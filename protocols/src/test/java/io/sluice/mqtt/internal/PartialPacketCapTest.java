package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.ingest.InflightBudget;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * mqtt.max_partial_packet_bytes: the bytes of started-but-incomplete packets across connections are bounded; the
 * sockets holding part of a packet stop reading while the total is over the cap and read again as it falls, while
 * complete packets and new connections go on, and the packet arrival limit still closes a socket stopped this way.
 */
class PartialPacketCapTest {
    private static final int CAP = 4096;
    private final List<MqttHarness> harnesses = new ArrayList<>();
    private final ManualIngest ingest = new ManualIngest();
    private final Context ctx = MqttHarness.context(MqttHarness.config(64, 4, CAP, CAP), ingest,
            new InflightBudget(1 << 20), new MemorySessionStore());

    @AfterEach
    void close() {
        harnesses.forEach(MqttHarness::close);
    }

    private MqttHarness connected(String clientId) {
        MqttHarness h = new MqttHarness(ctx, ingest);
        harnesses.add(h);
        assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED,
                h.connect(MqttVersion.MQTT_3_1_1, clientId, true, 0).variableHeader().connectReturnCode());
        return h;
    }

    /** A QoS 0 PUBLISH of {@code payloadBytes} as MQTT 3.1.1 bytes. */
    private static byte[] publishBytes(String topic, int payloadBytes) {
        EmbeddedChannel enc = new EmbeddedChannel(MqttEncoder.INSTANCE);
        enc.writeOutbound(MqttHarness.publish(topic, 0, 0, new byte[payloadBytes]));
        ByteBuf out = enc.readOutbound();
        byte[] b = ByteBufUtil.getBytes(out);
        out.release();
        enc.finishAndReleaseAll();
        return b;
    }

    private long held() {
        return ctx.stats().partialPacketBytes.get();
    }

    @Test
    void partialPackets_overTheGlobalCap_stopTheSocketsHoldingThem_untilTheTotalFalls() {
        MqttHarness a = connected("slow-a");
        MqttHarness b = connected("slow-b");
        byte[] pa = publishBytes("t/a", 3000);
        byte[] pb = publishBytes("t/b", 3000);

        a.sendRaw(Arrays.copyOfRange(pa, 0, 2500));
        assertEquals(2500, held());
        assertTrue(a.server.config().isAutoRead(), "under the cap");
        b.sendRaw(Arrays.copyOfRange(pb, 0, 2000));
        assertEquals(4500, held());
        assertFalse(b.server.config().isAutoRead(), "the read that took the total over the cap stops its socket");
        assertEquals(1, ctx.stats().event("partial_packet_bytes_full"));

        MqttHarness c = connected("whole-packets"); // a new connection is not held up
        c.send(MqttHarness.publish("t/c", 0, 0, new byte[100]));
        assertEquals(1, ingest.count(), "a complete packet is read and submitted while over the cap");
        assertTrue(c.server.config().isAutoRead());

        a.sendRaw(Arrays.copyOfRange(pa, 2500, pa.length));
        assertEquals(2, ingest.count(), "a's packet completed");
        assertEquals(2000, held());
        b.pump();
        assertTrue(b.server.config().isAutoRead(), "back under the cap: b reads again");
        b.sendRaw(Arrays.copyOfRange(pb, 2000, pb.length));
        assertEquals(3, ingest.count());
        assertEquals(0, held());
    }

    @Test
    void socketStoppedByTheCap_isStillClosed_whenItsPacketDoesNotArriveInTime_andItsBytesAreReleased() {
        MqttHarness a = connected("holder");
        MqttHarness loris = connected("loris");
        a.sendRaw(Arrays.copyOfRange(publishBytes("t/a", 3000), 0, 2500));
        loris.sendRaw(Arrays.copyOfRange(publishBytes("t/l", 3000), 0, 2000));
        assertFalse(loris.server.config().isAutoRead());

        loris.server.advanceTimeBy(30_001, TimeUnit.MILLISECONDS); // mqtt.packet_arrival_timeout_ms runs on
        loris.pump();
        assertFalse(loris.server.isActive(), "closed by its own arrival limit while stopped by the cap");
        assertEquals(1, ctx.stats().event("packet_arrival_timeout"));
        assertEquals(2500, held(), "its 2000 bytes no longer count");
        assertTrue(a.server.isActive());
    }

    @Test
    void closedConnection_releasesItsPartialPacket_andFreesAStoppedSocket() {
        MqttHarness a = connected("leaver");
        MqttHarness b = connected("waiter");
        a.sendRaw(Arrays.copyOfRange(publishBytes("t/a", 3000), 0, 2500));
        b.sendRaw(Arrays.copyOfRange(publishBytes("t/b", 3000), 0, 2000));
        assertFalse(b.server.config().isAutoRead());
        a.server.close();
        a.pump();
        assertEquals(2000, held());
        b.pump();
        assertTrue(b.server.config().isAutoRead());
    }
}
