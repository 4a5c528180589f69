package io.sluice.sinks.delivery.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CommitPositionsTest {
    private static final long MS = 1_000_000L;

    @Test
    void storesAtMostOncePerInterval_unlessAskedNow_andNeverBackwards() {
        var p = new CommitPositions(1_000);
        p.startAt(100);
        p.handed(100);
        p.handed(101);
        p.request(101);

        assertEquals(101, p.due(false, 2_000 * MS));
        p.stored(101, 2_000 * MS);
        p.request(102);
        assertEquals(-1, p.due(false, 2_500 * MS), "within the interval");
        assertEquals(102, p.due(true, 2_500 * MS), "at close");
        assertEquals(102, p.due(false, 3_000 * MS));
        p.request(50);
        p.stored(102, 3_000 * MS);
        assertEquals(-1, p.due(true, 9_000 * MS), "a lower request changes nothing");
    }

    @Test
    void whenEverythingHandedOnIsFinished_theStoredPositionMovesPastOtherNodesRecords() {
        var p = new CommitPositions(1);
        p.startAt(10);
        p.read(10);
        p.handed(10); // ours, at 10
        p.read(11);   // another node's
        p.read(12);   // another node's
        assertEquals(-1, p.due(true, 0), "10 is not finished: nothing to store");

        p.request(11); // 10 finished
        assertEquals(13, p.due(true, 0));
    }

    @Test
    void anUnfinishedMessage_holdsThePosition_whateverWasReadAfterIt() {
        var p = new CommitPositions(1);
        p.startAt(0);
        p.read(0);
        p.handed(0);
        p.read(1);
        p.handed(1);
        p.read(2);
        p.request(1); // 0 finished, 1 not

        assertEquals(1, p.due(true, 0));
    }

    @Test
    void aNodeWithNothingForIt_keepsMovingWithWhatItReads() {
        var p = new CommitPositions(1);
        p.startAt(5);
        p.read(5);
        p.read(6);

        assertEquals(7, p.due(true, 0));
    }

    @Test
    void oneAsyncStoreInFlight_atATime_aFailedOneIsTriedAgainAfterTheInterval() {
        var p = new CommitPositions(1_000);
        p.startAt(0);
        p.read(0);
        p.handed(0);
        p.request(1);

        assertEquals(1, p.due(false, 2_000 * MS));
        p.sent(2_000 * MS);
        p.request(1);
        p.read(1);
        assertEquals(-1, p.due(false, 9_000 * MS), "the first store is still in flight");
        assertEquals(2, p.due(true, 9_000 * MS), "at close it is stored regardless");
        p.answered(-1); // Kafka refused it
        assertEquals(0, p.stored());
        assertEquals(2, p.due(false, 9_000 * MS), "tried again: the interval since the failed one has passed");
        p.sent(9_000 * MS);
        p.answered(2);
        assertEquals(2, p.stored());
        assertEquals(-1, p.due(false, 20_000 * MS), "nothing new");
    }
}
