package io.sluice.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InflightBudgetTest {

    @Test
    void acquiresUpToCapacity_thenRefuses_andReleaseMakesRoom() {
        InflightBudget b = new InflightBudget(100);
        assertTrue(b.tryAcquire(60));
        assertFalse(b.tryAcquire(50));
        b.release(60);
        assertTrue(b.tryAcquire(50));
        assertEquals(50, b.usedBytes());
    }

    @Test
    void aMessageLargerThanTheBudget_passesAlone_soItNeverWedges() {
        InflightBudget b = new InflightBudget(100);
        assertTrue(b.tryAcquire(500));
        assertFalse(b.tryAcquire(1));
        b.release(500);
        assertEquals(0, b.usedBytes());
    }

    @Test
    void parkedReader_waitsWhileItsMessageDoesNotFit_andRunsOnRelease() {
        InflightBudget b = new InflightBudget(100);
        assertTrue(b.tryAcquire(90));
        AtomicInteger resumed = new AtomicInteger();
        b.park(50, resumed::incrementAndGet); // budget not full, but 50 does not fit: must not run (no spinning)
        assertEquals(0, resumed.get());
        assertEquals(1, b.parkedReaders());
        b.release(90);
        assertEquals(1, resumed.get());
        assertEquals(0, b.parkedReaders());
    }

    @Test
    void parkAfterRoomFreed_runsAtOnce_soNoReaderIsForgotten() {
        InflightBudget b = new InflightBudget(100);
        AtomicInteger resumed = new AtomicInteger();
        b.park(50, resumed::incrementAndGet);
        assertEquals(1, resumed.get());
    }

    @Test
    void releasingMoreThanAcquired_isABug_andSaysSo() {
        InflightBudget b = new InflightBudget(100);
        assertThrows(IllegalStateException.class, () -> b.release(1));
    }

    @Test
    void resize_largerWakesParkedReaders_smallerAppliesToNewAcquisitions() {
        InflightBudget b = new InflightBudget(100);
        assertTrue(b.tryAcquire(80));
        int[] woken = {0};
        assertFalse(b.tryAcquire(50));
        b.park(50, () -> woken[0]++);
        b.resize(200);
        assertEquals(1, woken[0], "a larger budget lets the parked reader try again");
        assertTrue(b.tryAcquire(50));
        b.resize(100);
        assertFalse(b.tryAcquire(10), "over the smaller budget while 130 bytes are in flight");
        b.release(130);
        assertTrue(b.tryAcquire(90));
        assertEquals(100, b.capacityBytes());
    }

    @Test
    void share_grantsAtMostItsPercent_countsInTheParent_andLeavesTheRestToOthers() {
        InflightBudget global = new InflightBudget(1000);
        InflightBudget udp = global.share(25);
        assertEquals(250, udp.capacityBytes());
        assertTrue(udp.tryAcquire(200));
        assertFalse(udp.tryAcquire(100), "beyond the share");
        assertEquals(200, global.usedBytes(), "a share's bytes count in the global budget");
        assertTrue(global.tryAcquire(800), "the rest stays for the other front ends");
        assertFalse(udp.tryAcquire(10), "the share gets nothing the global budget does not have");
        assertEquals(200, udp.usedBytes(), "a refused share leaves nothing taken");
        udp.release(200);
        assertEquals(800, global.usedBytes());
        global.resize(2000);
        assertEquals(500, udp.capacityBytes(), "a share follows its parent's size");
    }

    @Test
    void aReaderParkedOnAShare_isWokenByAReleaseOfTheShare() {
        InflightBudget global = new InflightBudget(1000);
        InflightBudget udp = global.share(10);
        assertTrue(udp.tryAcquire(100));
        AtomicInteger resumed = new AtomicInteger();
        udp.park(50, resumed::incrementAndGet);
        assertEquals(0, resumed.get());
        udp.release(100);
        assertEquals(1, resumed.get());
    }
}
