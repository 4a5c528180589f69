package io.sluice.sim;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A fixed-size set of indexes 0..size-1, one bit each, that many threads may set at once without a lock (a CAS on
 * the 64-bit word). 10 million indexes take 1.25 MB.
 */
final class IndexBits {
    private final AtomicLongArray words;
    private final int size;

    IndexBits(int size) {
        this.size = size;
        this.words = new AtomicLongArray((size + 63) >>> 6);
    }

    /** Sets {@code i}; true when it was not set before. */
    boolean set(int i) {
        int w = i >>> 6;
        long bit = 1L << i; // shifts by i mod 64
        long old;
        do {
            old = words.get(w);
            if ((old & bit) != 0) {
                return false;
            }
        } while (!words.compareAndSet(w, old, old | bit));
        return true;
    }

    boolean get(int i) {
        return (words.get(i >>> 6) & (1L << i)) != 0;
    }

    int size() {
        return size;
    }

    /** Indexes set here and not in {@code other} (null: the empty set). */
    long countNotIn(IndexBits other) {
        long n = 0;
        for (int w = 0; w < words.length(); w++) {
            n += Long.bitCount(words.get(w) & (other == null ? -1L : ~other.words.get(w)));
        }
        return n;
    }

    /** Heap held: the array of words and the two objects around it (16-byte headers, compressed references). */
    long bytes() {
        return 16 + 8 + 16 + 8L * words.length();
    }
}
