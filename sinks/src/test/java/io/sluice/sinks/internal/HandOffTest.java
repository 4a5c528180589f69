package io.sluice.sinks.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HandOffTest {

    @Test
    void items_areHandled_inSubmissionOrder_onTheHandOffThread() throws Exception {
        var handled = new CopyOnWriteArrayList<Integer>();
        var threads = new CopyOnWriteArrayList<String>();
        var handOff = new HandOff<Integer>("test-hand-off", i -> {
            handled.add(i);
            threads.add(Thread.currentThread().getName());
        }, i -> { });
        for (int i = 0; i < 100; i++) {
            assertTrue(handOff.submit(i));
        }
        assertTrue(handOff.awaitHandled(Duration.ofSeconds(10)));
        var expected = new ArrayList<Integer>();
        for (int i = 0; i < 100; i++) {
            expected.add(i);
        }
        assertEquals(expected, handled);
        assertTrue(threads.stream().allMatch("test-hand-off"::equals));
        handOff.stop(Duration.ofSeconds(1));
    }

    @Test
    void stop_interruptsABlockedHandler_andAbandonsTheRest_exactlyOnce() throws Exception {
        var entered = new CountDownLatch(1);
        var handled = new ConcurrentLinkedQueue<Integer>();
        var abandoned = new ConcurrentLinkedQueue<Integer>();
        var handOff = new HandOff<Integer>("blocked-hand-off", i -> {
            entered.countDown();
            try {
                new CountDownLatch(1).await(); // blocks like send() waiting for metadata
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                handled.add(i); // the handler still completes its item, as KafkaLog's does
            }
        }, abandoned::add);
        handOff.submit(1);
        entered.await();
        handOff.submit(2);
        handOff.submit(3);

        handOff.stop(Duration.ofMillis(50));

        assertEquals(List.of(1), List.copyOf(handled));
        assertEquals(List.of(2, 3), List.copyOf(abandoned));
        assertFalse(handOff.submit(4));
        assertEquals(List.of(2, 3), List.copyOf(abandoned));
    }

    @Test
    void aThrowingHandler_abandonsThatItem_andKeepsGoing() throws Exception {
        var abandoned = new ConcurrentLinkedQueue<Integer>();
        var handled = new AtomicInteger();
        var handOff = new HandOff<Integer>("throwing-hand-off", i -> {
            if (i == 1) {
                throw new IllegalStateException("boom");
            }
            handled.incrementAndGet();
        }, abandoned::add);
        handOff.submit(1);
        handOff.submit(2);
        assertTrue(handOff.awaitHandled(Duration.ofSeconds(10)));
        assertEquals(List.of(1), List.copyOf(abandoned));
        assertEquals(1, handled.get());
        handOff.stop(Duration.ofSeconds(1));
    }

    @Test
    void stop_letsQueuedItemsFinish_whenTheyFitInTheTimeout() throws Exception {
        var handled = new AtomicInteger();
        var abandoned = new AtomicInteger();
        var handOff = new HandOff<Integer>("draining-hand-off", i -> handled.incrementAndGet(),
                i -> abandoned.incrementAndGet());
        for (int i = 0; i < 1000; i++) {
            handOff.submit(i);
        }
        handOff.stop(Duration.ofSeconds(10));
        assertEquals(1000, handled.get() + abandoned.get());
        assertEquals(0, abandoned.get());
    }
}
