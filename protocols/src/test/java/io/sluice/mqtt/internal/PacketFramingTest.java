package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/** Packet boundaries followed byte by byte, across any split of the stream. */
class PacketFramingTest {

    private static void feed(PacketFraming f, int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        ByteBuf buf = Unpooled.wrappedBuffer(b);
        f.feed(buf);
        assertEquals(0, buf.readerIndex(), "the buffer is not consumed");
        buf.release();
    }

    @Test
    void zeroLengthPackets_areWholeAtTheirSecondByte() {
        PacketFraming f = new PacketFraming();
        feed(f, 0xC0, 0x00, 0xC0);
        assertEquals(2, f.started());
        assertEquals(1, f.completed());
        assertTrue(f.midPacket());
        feed(f, 0x00);
        assertEquals(2, f.completed());
        assertFalse(f.midPacket());
    }

    @Test
    void multiByteRemainingLength_splitAnywhere_isFollowed() {
        // 0x30, remaining length 200 = 0xC8 0x01, then 200 body bytes
        byte[] packet = new byte[203];
        packet[0] = 0x30;
        packet[1] = (byte) 0xC8;
        packet[2] = 0x01;
        for (int split = 1; split < packet.length; split++) {
            PacketFraming f = new PacketFraming();
            f.feed(Unpooled.wrappedBuffer(packet, 0, split));
            assertTrue(f.midPacket(), "split at " + split);
            f.feed(Unpooled.wrappedBuffer(packet, split, packet.length - split));
            assertFalse(f.midPacket(), "split at " + split);
            assertEquals(1, f.completed());
        }
    }

    @Test
    void twoPacketsInOneRead_thenAPartialThird() {
        PacketFraming f = new PacketFraming();
        feed(f, 0x30, 0x02, 'a', 'b', 0x30, 0x01, 'c', 0x30, 0x05, 'd');
        assertEquals(3, f.started());
        assertEquals(2, f.completed());
        assertTrue(f.midPacket());
    }

    @Test
    void remainingLengthLongerThanFourBytes_stopsFollowing_theDecoderRefusesIt() {
        PacketFraming f = new PacketFraming();
        feed(f, 0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x30, 0x00);
        assertFalse(f.midPacket());
        assertEquals(1, f.started());
        assertEquals(0, f.completed());
    }
}
