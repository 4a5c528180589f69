package io.sluice.sinks.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TimeAlignedQueuesTest {
    private static List<String> drain(TimeAlignedQueues<String, String> q, Set<String> assigned, Set<String> behind,
                                      boolean force) {
        List<String> out = new ArrayList<>();
        String p;
        while ((p = q.next(assigned, behind::contains, force)) != null) {
            out.add(q.removeHead(p));
        }
        return out;
    }

    @Test
    void partitionsAreMergedInTimeOrder_andEachKeepsItsOwnOrder() {
        TimeAlignedQueues<String, String> q = new TimeAlignedQueues<>();
        q.add("a", "a1", 10, 0);
        q.add("a", "a2", 30, 0);
        q.add("a", "a3", 30, 0);
        q.add("b", "b1", 20, 0);
        q.add("b", "b2", 25, 0);
        q.add("c", "c1", 5, 0);
        assertEquals(List.of("c1", "a1", "b1", "b2", "a2", "a3"), drain(q, Set.of("a", "b", "c"), Set.of(), false));
        assertTrue(q.isEmpty());
    }

    @Test
    void waitsForAPartitionThatIsBehind_unlessForced() {
        TimeAlignedQueues<String, String> q = new TimeAlignedQueues<>();
        q.add("a", "a1", 10, 0);
        q.add("b", "b1", 12, 0);
        q.add("a", "a2", 20, 0);
        // b delivered up to 12 and is behind its log end: a2 (20) must wait for b's next records
        assertEquals(List.of("a1", "b1"), drain(q, Set.of("a", "b"), Set.of("b"), false));
        assertEquals(1, q.size());
        q.add("b", "b2", 15, 0);
        assertEquals(List.of("b2"), drain(q, Set.of("a", "b"), Set.of("b"), false));
        // b at its log end: nothing earlier can come from it
        assertEquals(List.of("a2"), drain(q, Set.of("a", "b"), Set.of(), false));

        q.add("a", "a3", 40, 0);
        assertNull(q.next(Set.of("a", "b", "c"), p -> true, false), "c never delivered and may hold earlier data");
        assertEquals(List.of("a3"), drain(q, Set.of("a", "b", "c"), Set.of("b", "c"), true), "force takes it anyway");
    }

    @Test
    void recordsWithoutTime_leaveFirst_andArrivalOfTheOldestIsKnown() {
        TimeAlignedQueues<String, String> q = new TimeAlignedQueues<>();
        assertEquals(-1, q.oldestArrivalMillis());
        q.add("a", "a1", 10, 500);
        q.add("b", "bad", Long.MIN_VALUE, 700);
        assertEquals(500, q.oldestArrivalMillis());
        assertEquals("b", q.next(Set.of("a", "b", "c"), p -> true, false), "a record without points waits for nothing");
        assertEquals("bad", q.removeHead("b"));
        assertEquals(1, q.size("a"));
        q.clear();
        assertTrue(q.isEmpty());
        assertEquals(0, q.size("a"));
    }

    /** Taking runs (next once, then runContinues) hands out the same time order as asking next for every record. */
    @Test
    void runsGiveTheSameOrderAsAskingForEveryRecord() {
        java.util.Random random = new java.util.Random(7);
        for (int trial = 0; trial < 300; trial++) {
            TimeAlignedQueues<String, Long> perRecord = new TimeAlignedQueues<>();
            TimeAlignedQueues<String, Long> runs = new TimeAlignedQueues<>();
            Set<String> assigned = Set.of("a", "b", "c", "d");
            Set<String> behind = new java.util.HashSet<>();
            int lane = 0;
            for (String p : List.of("a", "b", "c", "d")) {
                lane++;
                if (random.nextBoolean()) {
                    behind.add(p);
                }
                long ts = random.nextInt(50);
                int n = random.nextInt(6);
                for (int i = 0; i < n; i++) {
                    ts += random.nextInt(3); // ties within a partition; across partitions a tie's order is free
                    long t = random.nextInt(20) == 0 ? Long.MIN_VALUE : ts * 8 + lane;
                    perRecord.add(p, t, t, 0);
                    runs.add(p, t, t, 0);
                }
            }
            boolean force = random.nextInt(4) == 0;
            List<Long> expected = new ArrayList<>();
            String p;
            while ((p = perRecord.next(assigned, behind::contains, force)) != null) {
                expected.add(perRecord.removeHead(p));
            }
            List<Long> actual = new ArrayList<>();
            while ((p = runs.next(assigned, behind::contains, force)) != null) {
                do {
                    actual.add(runs.removeHead(p));
                } while (runs.runContinues(p));
            }
            assertEquals(expected, actual, "trial " + trial);
            assertEquals(perRecord.size(), runs.size(), "trial " + trial);
        }
    }

    /**
     * A partition's queue keeps log order through any mix of adds and removals, also once it has wrapped around and
     * grown past its first capacity, and the other partitions' queues are not touched.
     */
    @Test
    void aQueueKeepsLogOrderThroughWrapAroundAndGrowth() {
        TimeAlignedQueues<String, Long> q = new TimeAlignedQueues<>();
        java.util.ArrayDeque<Long> model = new java.util.ArrayDeque<>();
        java.util.Random random = new java.util.Random(11);
        q.add("other", -1L, 0, 0);
        long nextItem = 0;
        int largest = 0;
        for (int step = 0; step < 20_000; step++) {
            // phases that mostly add (the queue grows to hundreds) and mostly remove (it wraps and empties)
            boolean adding = (step / 500) % 2 == 0 ? random.nextInt(4) != 0 : random.nextInt(4) == 0;
            if (adding || model.isEmpty()) {
                q.add("p", nextItem, nextItem, 0);
                model.add(nextItem++);
            } else {
                assertEquals(model.peek(), q.head("p"), "step " + step);
                assertEquals(model.remove(), q.removeHead("p"), "step " + step);
            }
            assertEquals(model.size(), q.size("p"), "step " + step);
            largest = Math.max(largest, model.size());
        }
        assertTrue(largest > 128, "the queue grew past its first capacities: " + largest);
        while (!model.isEmpty()) {
            assertEquals(model.remove(), q.removeHead("p"));
        }
        assertNull(q.head("p"));
        assertThrows(java.util.NoSuchElementException.class, () -> q.removeHead("p"));
        assertEquals(1, q.size("other"));
        assertEquals(-1L, q.removeHead("other"));
        assertTrue(q.isEmpty());
    }
}
