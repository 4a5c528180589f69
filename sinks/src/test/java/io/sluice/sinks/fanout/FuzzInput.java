package io.sluice.sinks.fanout;

import java.util.Arrays;

/**
 * Reads a fuzz input front to back; past its end every read gives zeros or nothing. The repeated-unit form lets a
 * short input stand for a long payload: a unit length byte (0-8), the unit, a count byte, then the tail, which is
 * everything left. Counts 0-223 repeat the unit that many times; 224-255 repeat it 2^(count - 216) times (256 and
 * up), within the caller's bound, so most inputs stay small and fast and long runs stay one mutation away. Seeds
 * are easy to write by hand: {@code 00 00} then the payload.
 */
public final class FuzzInput {
    private final byte[] b;
    private int i;

    public FuzzInput(byte[] b) {
        this.b = b;
    }

    public int u8() {
        return i < b.length ? b[i++] & 0xff : 0;
    }

    public byte[] bytes(int n) {
        int from = Math.min(i, b.length);
        i = (int) Math.min(b.length, (long) from + n);
        return Arrays.copyOfRange(b, from, i);
    }

    /** The unit repeated (at most {@code maxBytes} in all from the repeats), then the rest of the input. */
    public byte[] repeatedThenTail(int maxBytes) {
        byte[] unit = bytes(u8() % 9);
        int count = u8();
        long repeat = count < 224 ? count : 1L << (count - 216);
        repeat = unit.length == 0 ? 0 : Math.min(repeat, maxBytes / unit.length);
        byte[] tail = bytes(Integer.MAX_VALUE);
        int n = (int) repeat;
        byte[] out = new byte[unit.length * n + tail.length];
        for (int k = 0; k < n; k++) {
            System.arraycopy(unit, 0, out, k * unit.length, unit.length);
        }
        System.arraycopy(tail, 0, out, unit.length * n, tail.length);
        return out;
    }
}
