package io.sluice.sinks.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FailureLogTest {
    private final AtomicLong now = new AtomicLong();
    private final FailureLog log = new FailureLog(Duration.ofSeconds(10), now::get);

    @Test
    void aFloodOfOneKind_logsOneLine_thenOneLineWithTheCountPerInterval() {
        assertEquals("RETRYABLE TimeoutException: first", log.record("RETRYABLE TimeoutException", "first"));
        for (int i = 0; i < 1000; i++) {
            assertNull(log.record("RETRYABLE TimeoutException", "again"));
        }
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        assertEquals("RETRYABLE TimeoutException: later (and 1000 more like it in the last 10 s)",
                log.record("RETRYABLE TimeoutException", "later"));
        assertNull(log.record("RETRYABLE TimeoutException", "again"));
    }

    @Test
    void eachKind_getsItsOwnLine() {
        assertNotNull(log.record("RETRYABLE TimeoutException", "a"));
        assertNotNull(log.record("REJECTED RecordTooLargeException", "b"));
    }

    @Test
    void drain_reportsWhatWasFolded_once() {
        log.record("k", "a");
        log.record("k", "b");
        log.record("k", "c");
        assertEquals(List.of("k: 2 more since the last line 0 s ago"), log.drain());
        assertEquals(List.of(), log.drain());
    }
}
