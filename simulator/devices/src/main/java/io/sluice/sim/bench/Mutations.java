package io.sluice.sim.bench;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Byte-level mutations and hostile content shared by the fuzz generators. Every method draws only from the random
 * source it is given, so a case is reproducible from its seed. Stateless.
 */
final class Mutations {
    /** Bytes that break parsers more often than random ones do. */
    private static final int[] INTERESTING = {0x00, 0x01, 0x7F, 0x80, 0xFF, 0xC0, 0xC1, 0xED, 0xF5, 0xFE, 0x2F,
            0x23, 0x2B, 0x22, 0x5C, 0x0A, 0x20, 0x2C, 0x3D};
    /** Invalid or forbidden UTF-8 in MQTT strings: overlong NUL, lone surrogate, U+0000, 0xFF, truncated sequence. */
    private static final byte[][] BAD_UTF8 = {{(byte) 0xC0, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            {0x00}, {(byte) 0xFF}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
            {(byte) 0xEF, (byte) 0xBF, (byte) 0xBF}, {(byte) 0x7F}};

    private Mutations() {
    }

    /** {@code in} with 1 to 4 mutations: bit flips, byte overwrites, inserts, deletes, duplications, truncation. */
    static byte[] mutate(SplittableRandom r, byte[] in) {
        byte[] b = in;
        int ops = 1 + r.nextInt(4);
        for (int i = 0; i < ops; i++) {
            b = mutateOnce(r, b);
        }
        return b;
    }

    private static byte[] mutateOnce(SplittableRandom r, byte[] b) {
        if (b.length == 0) {
            return randomBytes(r, 1 + r.nextInt(8));
        }
        int at = r.nextInt(b.length);
        switch (r.nextInt(7)) {
            case 0 -> {
                byte[] c = b.clone();
                c[at] ^= (byte) (1 << r.nextInt(8));
                return c;
            }
            case 1 -> {
                byte[] c = b.clone();
                c[at] = (byte) INTERESTING[r.nextInt(INTERESTING.length)];
                return c;
            }
            case 2 -> {
                byte[] c = b.clone();
                c[at] = (byte) r.nextInt(256);
                return c;
            }
            case 3 -> { // insert random bytes
                byte[] ins = randomBytes(r, 1 + r.nextInt(16));
                return splice(b, at, 0, ins);
            }
            case 4 -> { // delete a range
                int len = 1 + r.nextInt(Math.min(16, b.length - at));
                return splice(b, at, len, new byte[0]);
            }
            case 5 -> { // duplicate a range
                int len = 1 + r.nextInt(Math.min(64, b.length - at));
                byte[] copy = java.util.Arrays.copyOfRange(b, at, at + len);
                return splice(b, at, 0, copy);
            }
            default -> {
                return java.util.Arrays.copyOf(b, at); // truncate
            }
        }
    }

    static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] c = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, c, 0, at);
        System.arraycopy(insert, 0, c, at, insert.length);
        System.arraycopy(b, at + remove, c, at + insert.length, b.length - at - remove);
        return c;
    }

    static byte[] randomBytes(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    /** {@code s} with an invalid UTF-8 sequence (or a NUL) put in at a random place. */
    static byte[] badUtf8(SplittableRandom r, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return splice(b, r.nextInt(b.length + 1), 0, BAD_UTF8[r.nextInt(BAD_UTF8.length)]);
    }

    /** A fuzz device's name: never the neighbour's prefix. */
    static String device(SplittableRandom r) {
        return "fz" + Integer.toString(r.nextInt(1 << 20), 36);
    }

    /**
     * A payload for the fan-out's decoders: a plausible reading, or nesting 1,000 to 100,000 deep, a very long
     * number or string, unbalanced or invalid UTF-8 JSON, or line protocol where JSON is expected.
     */
    static byte[] payload(SplittableRandom r) {
        StringBuilder sb = new StringBuilder();
        switch (r.nextInt(10)) {
            case 0 -> sb.repeat("[", 1_000 + r.nextInt(100_000));
            case 1 -> {
                int depth = 500 + r.nextInt(20_000);
                sb.repeat("{\"a\":", depth).append('1').repeat("}", r.nextBoolean() ? depth : depth / 2);
            }
            case 2 -> sb.append("{\"temp\":").repeat("9", 1 + r.nextInt(20_000)).append('}');
            case 3 -> sb.append("{\"temp\":1e").append(r.nextInt()).append('}');
            case 4 -> sb.append("{\"s\":\"").repeat("x", r.nextInt(100_000)).append("\"}");
            case 5 -> sb.append("temp,host=a value=1i ").append(r.nextLong());
            case 6 -> {
                return mutate(r, ("{\"temp\":" + r.nextInt(100) + ".5,\"ts\":" + r.nextLong() + "}")
                        .getBytes(StandardCharsets.UTF_8));
            }
            case 7 -> {
                return badUtf8(r, "{\"temp\":1.5,\"k\":\"v\"}");
            }
            default -> sb.append("{\"temp\":").append(r.nextInt(100)).append(".5}");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
