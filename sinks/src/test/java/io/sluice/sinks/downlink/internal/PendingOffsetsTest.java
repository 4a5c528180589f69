package io.sluice.sinks.downlink.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PendingOffsetsTest {
    private static final TopicPartition P0 = new TopicPartition("sluice.downlink", 0);
    private static final TopicPartition P1 = new TopicPartition("sluice.downlink", 1);

    @Test
    void theCommittableOffset_neverPassesARecordWhosePublishIsNotFinished_whateverOrderTheyFinishIn() {
        PendingOffsets o = new PendingOffsets();
        PendingOffsets.Slot a = o.read(P0, 10);
        PendingOffsets.Slot b = o.read(P0, 11);
        PendingOffsets.Slot c = o.read(P0, 12);
        assertEquals(10, o.committable(P0), "nothing finished: the first record read");

        o.finish(c);
        o.finish(b);
        assertEquals(10, o.committable(P0), "11 and 12 finished before 10: still 10");
        assertEquals(1, o.pending());

        o.finish(a);
        assertEquals(13, o.committable(P0), "all finished: the offset after the last read");
        assertEquals(0, o.pending());
    }

    @Test
    void partitionsAreTrackedApart() {
        PendingOffsets o = new PendingOffsets();
        PendingOffsets.Slot a = o.read(P0, 0);
        PendingOffsets.Slot b = o.read(P1, 7);
        o.finish(b);

        assertEquals(0, o.committable(P0));
        assertEquals(8, o.committable(P1));
        assertEquals(Map.of(P1, 8L), o.due(null), "P0: nothing finished, nothing to store");
        assertTrue(o.live(a));
        assertFalse(o.live(b));
    }

    @Test
    void anUndeserializableRecord_countsAsReadAndFinished() {
        PendingOffsets o = new PendingOffsets();
        o.finish(o.read(P0, 3));
        o.skipped(P0, 4);
        PendingOffsets.Slot c = o.read(P0, 5);

        assertEquals(5, o.committable(P0));
        o.finish(c);
        assertEquals(6, o.committable(P0));
    }

    @Test
    void due_offersAnOffsetOnce_untilKafkaRefusesTheCommit() {
        PendingOffsets o = new PendingOffsets();
        o.finish(o.read(P0, 0));
        Map<TopicPartition, Long> due = o.due(null);
        assertEquals(Map.of(P0, 1L), due);

        o.sent(due);
        assertEquals(Map.of(), o.due(null), "sent, not answered: not sent again");

        o.answered(due, false);
        assertEquals(Map.of(P0, 1L), o.due(null), "refused: offered again");

        o.sent(due);
        o.answered(due, true);
        assertEquals(Map.of(), o.due(null));
        assertEquals(0, o.uncommitted());
        o.finish(o.read(P0, 1));
        assertEquals(Map.of(P0, 2L), o.due(null));
        assertEquals(1, o.uncommitted());
    }

    @Test
    void aRevokedPartition_forgetsItsRecords_andALateOutcomeOfOneChangesNothing() {
        PendingOffsets o = new PendingOffsets();
        PendingOffsets.Slot a = o.read(P0, 0);
        o.read(P0, 1);
        PendingOffsets.Slot c = o.read(P1, 0);
        assertEquals(3, o.pending());

        o.drop(List.of(P0));
        assertEquals(1, o.pending());
        assertFalse(o.live(a));
        assertFalse(o.finish(a), "the outcome of a record of a revoked partition is ignored");
        assertEquals(1, o.pending());
        assertEquals(-1, o.committable(P0));

        PendingOffsets.Slot again = o.read(P0, 0); // assigned back: read again from the committed offset
        assertTrue(o.live(again));
        assertEquals(0, o.committable(P0));
        assertTrue(o.finish(c));
        assertEquals(1, o.pending());
    }

    @Test
    void pendingBytes_countTheRecordsNotFinished_andADroppedPartitionsOnesNoMore() {
        PendingOffsets o = new PendingOffsets();
        PendingOffsets.Slot a = o.read(P0, 0, 100);
        o.read(P0, 1, 50);
        o.read(P1, 0, 7);
        assertEquals(157, o.pendingBytes());
        o.finish(a);
        o.finish(a); // twice: counted once
        assertEquals(57, o.pendingBytes());
        o.drop(List.of(P0));
        assertEquals(7, o.pendingBytes());
        o.skipped(P1, 1);
        assertEquals(7, o.pendingBytes(), "a skipped record holds nothing");
    }

    @Test
    void theByteBound_takesWhatFits_leavesWhatDoesNot_andTakesAnOversizedRecordOnlyAlone() {
        PendingBytes b = new PendingBytes(1_000);
        assertTrue(b.fits(0, 600));
        assertFalse(b.fits(600, 600), "600 + 600 > 1,000");
        assertTrue(b.full(600), "paused while the record left waits for room");
        assertTrue(b.full(500), "500 + 600 still passes the bound");
        assertFalse(b.full(400), "400 + 600 fits: resume");
        assertTrue(b.fits(400, 600));
        assertTrue(b.full(1_000), "the bound reached");
        assertEquals(2, b.pauses());

        assertFalse(b.fits(1, 5_000));
        assertFalse(b.full(0), "nothing pending: never paused");
        assertTrue(b.fits(0, 5_000), "larger than the bound, taken alone");
        assertEquals(1, b.oversized());
    }
}
