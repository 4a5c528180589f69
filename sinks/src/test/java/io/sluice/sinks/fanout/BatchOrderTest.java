package io.sluice.sinks.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.sinks.Point;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A batch is written in time order, and points of one series and time keep their log order (the later wins). */
class BatchOrderTest {

    private static MicroBatcher.Entry<String> entry(String source, String line) {
        return new MicroBatcher.Entry<>(source, new Point("m", line));
    }

    @Test
    void sortedByTimestamp_stableForEqualTimes() {
        List<MicroBatcher.Entry<String>> batch = List.of(
                entry("p0@1", "m,d=a v=1 300"),
                entry("p1@1", "m,d=b v=2 100"),
                entry("p0@2", "m,d=a v=3 200"),
                entry("p1@2", "m,d=b v=4 100"), // same series and time as p1@1, later in the log
                entry("p2@1", "m,d=c v=5 50"));
        List<String> order = BatchWriter.inTimeOrder(batch).stream().map(MicroBatcher.Entry::source).toList();
        assertEquals(List.of("p2@1", "p1@1", "p1@2", "p0@2", "p0@1"), order);
    }

    @Test
    void aBatchAlreadyInOrder_isKeptAsItIs() {
        List<MicroBatcher.Entry<String>> batch = List.of(entry("a", "m v=1 1"), entry("b", "m v=2 1"),
                entry("c", "m v=3 7"));
        assertEquals(batch, BatchWriter.inTimeOrder(batch));
    }

    @Test
    void receiveTimeHeader_isReadAsDigits() {
        assertEquals(1_767_225_600_000_000_123L, Decimal.parse("1767225600000000123".getBytes()));
        assertEquals(Long.MAX_VALUE, Decimal.parse(Long.toString(Long.MAX_VALUE).getBytes()));
        assertEquals(-1, Decimal.parse("9223372036854775808".getBytes()), "beyond a long");
        assertEquals(-1, Decimal.parse("9999999999999999999".getBytes()), "19 digits, beyond a long");
        assertEquals(-1, Decimal.parse("10000000000000000000".getBytes()), "20 digits");
        assertEquals(999_999_999_999_999_999L, Decimal.parse("999999999999999999".getBytes()));
        assertEquals(42, Decimal.parse("x42y".getBytes(), 1, 3), "a range of the array");
        assertEquals(-1, Decimal.parse("12a".getBytes()));
        assertEquals(-1, Decimal.parse(new byte[0]));
        assertEquals(-1, Decimal.parse(null));
    }

    @Test
    void timestampIsReadFromTheLineEnd() {
        assertEquals(1_700_000_000_000_000_123L,
                new Point("m", "m,d=a v=1,s=\"x y\" 1700000000000000123").time());
        assertEquals(0, new Point("m", "m v=1").time());
        assertEquals(-313_383_397_000L, new Point("m", "m v=1 -000000313383397000").time(), "before 1970");
        assertEquals(Long.MIN_VALUE, new Point("m", "m v=1 -9223372036854775808").time());
        assertEquals(Long.MAX_VALUE, new Point("m", "m v=1 9223372036854775807").time());
        assertEquals(0, new Point("m", "m v=1 9223372036854775808").time(), "beyond a long");
        assertEquals(0, new Point("m", "m v=1 -9223372036854775809").time(), "beyond a long");
        assertEquals(0, new Point("m", "m v=1 99999999999999999999").time(), "beyond a long");
        assertEquals(0, new Point("m", "m v=1 -").time());
        assertEquals(0, new Point("m", "m v=1 1-2").time());
    }
}
