package io.sluice.mqtt.internal;

import io.netty.buffer.ByteBuf;

/**
 * Follows MQTT packet boundaries in a byte stream without buffering or decoding anything: the fixed header's first
 * byte, the Remaining Length (1 to 4 bytes), then that many bytes skipped. So a time limit can tell a packet that
 * has started from one that is complete, whatever the decoder holds.
 *
 * <p>A Remaining Length longer than 4 bytes is malformed; the decoder refuses it and the connection ends, so the
 * framing just stops following ({@link #midPacket} stays false). Threading: one connection's event loop.
 */
final class PacketFraming {
    private static final int BOUNDARY = 0;
    private static final int LENGTH = 1;
    private static final int BODY = 2;
    private static final int LOST = 3;

    private int state = BOUNDARY;
    private long bodyLeft;
    private int lengthBytes;
    private int shift;
    private long started;
    private long completed;
    private long current; // bytes of the packet in progress

    /** Follows the readable bytes of {@code buf} (indices only; the buffer is not changed). */
    void feed(ByteBuf buf) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        while (i < end && state != LOST) {
            switch (state) {
                case BOUNDARY -> {
                    started++;
                    current = 1;
                    i++;
                    state = LENGTH;
                    bodyLeft = 0;
                    lengthBytes = 0;
                    shift = 0;
                }
                case LENGTH -> {
                    int b = buf.getByte(i++) & 0xff;
                    current++;
                    bodyLeft |= (long) (b & 0x7f) << shift;
                    shift += 7;
                    lengthBytes++;
                    if ((b & 0x80) == 0) {
                        state = BODY;
                        if (bodyLeft == 0) {
                            complete();
                        }
                    } else if (lengthBytes == 4) {
                        state = LOST;
                    }
                }
                default -> { // BODY
                    long skip = Math.min(bodyLeft, end - i);
                    i += (int) skip;
                    current += skip;
                    bodyLeft -= skip;
                    if (bodyLeft == 0) {
                        complete();
                    }
                }
            }
        }
    }

    private void complete() {
        completed++;
        state = BOUNDARY;
    }

    /** True when the bytes so far end inside a packet. */
    boolean midPacket() {
        return state == LENGTH || state == BODY;
    }

    /** Bytes of the packet in progress seen so far (what the decoder holds of it); 0 between packets. */
    long partialBytes() {
        return midPacket() ? current : 0;
    }

    /** Packets whose first byte was seen. */
    long started() {
        return started;
    }

    /** Packets seen whole. */
    long completed() {
        return completed;
    }
}
