package io.sluice.sinks.fanout;

import java.util.Arrays;

/**
 * Reads a fuzz input front to back; past its end every read gives zeros or nothing. The repeated-unit form lets a
 * short input stand for a long payload: a unit length byte (0-8), the unit, a 24-bit big-endian repeat count, then
 * the tail, which is everything left. Seeds are easy to write by hand: {@code 00 00 00 00} then the payload.
 */
final class FuzzInput {
    private final byte[] b;
    private int i;

    FuzzInput(byte[] b) {
        this.b = b;
    }

    int u8() {
        return i < b.length ? b[i++] & 0xff : 0;
    }

    byte[] bytes(int n) {
        int from = Math.min(i, b.length);
        i = (int) Math.min(b.length, (long) from + n);
        return Arrays.copyOfRange(b, from, i);
    }

    /** The unit repeated (at most {@code maxBytes} in all from the repeats), then the rest of the input. */
    byte[] repeatedThenTail(int maxBytes) {
        byte[] unit = bytes(u8() % 9);
        int repeat = (u8() << 16) | (u8() << 8) | u8();
        if (unit.length == 0) {
            repeat = 0;
        } else {
            repeat = Math.min(repeat, maxBytes / unit.length);
        }
        byte[] tail = bytes(Integer.MAX_VALUE);
        byte[] out = new byte[unit.length * repeat + tail.length];
        for (int k = 0; k < repeat; k++) {
            System.arraycopy(unit, 0, out, k * unit.length, unit.length);
        }
        System.arraycopy(tail, 0, out, unit.length * repeat, tail.length);
        return out;
    }
}
