package io.sluice.sinks.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sinks.Point;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MicroBatcherTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(now.get());
        }
    };

    private static Point point(int bytes) {
        return new Point("m", "m v=1 " + "0".repeat(bytes - 7));
    }

    @Test
    void flushesOnPointCount() {
        MicroBatcher<Integer> b = new MicroBatcher<>(3, 1 << 20, 10_000, clock);
        b.add(1, point(20));
        b.add(2, point(20));
        assertFalse(b.isDue());
        b.add(3, point(20));
        assertTrue(b.isDue());
        assertTrue(b.wouldOverflow(point(20)));
        assertEquals(3, b.drain().size());
        assertTrue(b.isEmpty());
        assertEquals(0, b.bytes());
    }

    @Test
    void flushesOnBytes_butAnEmptyBatchTakesAnyPoint() {
        MicroBatcher<Integer> b = new MicroBatcher<>(1000, 50, 10_000, clock);
        assertFalse(b.wouldOverflow(point(100)));
        b.add(1, point(30));
        assertFalse(b.isDue());
        assertTrue(b.wouldOverflow(point(30)));
        b.add(2, point(30));
        assertTrue(b.isFull());
    }

    @Test
    void flushesOnLinger_measuredFromTheFirstPoint() {
        MicroBatcher<Integer> b = new MicroBatcher<>(1000, 1 << 20, 200, clock);
        assertFalse(b.isDue());
        assertEquals(200, b.millisUntilDue());
        b.add(1, point(20));
        now.addAndGet(150);
        b.add(2, point(20));
        assertFalse(b.isDue());
        assertEquals(50, b.millisUntilDue());
        now.addAndGet(50);
        assertTrue(b.isDue());
        assertEquals(0, b.millisUntilDue());
    }

    @Test
    void knowsWhetherItsPointsCameInTimeOrder_anewForEachBatch() {
        MicroBatcher<Integer> b = new MicroBatcher<>(1000, 1 << 20, 200, clock);
        b.add(1, new Point("m", "m v=1 10", 10));
        b.add(2, new Point("m", "m v=1 10", 10)); // equal times are in order
        b.add(3, new Point("m", "m v=1 20", 20));
        assertTrue(b.inTimeOrder());
        b.add(4, new Point("m", "m v=1 15", 15));
        assertFalse(b.inTimeOrder());
        b.add(5, new Point("m", "m v=1 30", 30)); // later points do not make up for an earlier one
        assertFalse(b.inTimeOrder());
        b.drain();
        b.add(6, new Point("m", "m v=1 5", 5)); // earlier than the last batch: a new batch starts in order
        assertTrue(b.inTimeOrder());
    }

    @Test
    void backoff_growsWithJitter_capped_andHonoursRetryAfter() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000), () -> Long.MAX_VALUE);
        long[] seen = new long[6];
        for (int i = 0; i < seen.length; i++) {
            seen[i] = backoff.next(null).toMillis();
        }
        for (int i = 0; i < seen.length; i++) {
            long base = Math.min(1000, 100L << i);
            assertTrue(seen[i] >= base / 2 && seen[i] <= base, "attempt " + i + ": " + seen[i]);
        }
        assertEquals(5000, backoff.next(Duration.ofSeconds(5)).toMillis());
        backoff.reset();
        assertTrue(backoff.next(null).toMillis() <= 100);
    }
}
