package io.sluice.ingest;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of named events (a refusal, a protocol violation, a drop), one per reason, cheap to bump from any
 * thread. The front ends' stats extend it; the daemon shows them in status and as metrics by reason.
 */
public class EventCounters {
    private final Map<String, LongAdder> events = new ConcurrentHashMap<>();

    /** Bumps the counter of a named event. */
    public void count(String reason) {
        events.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    /** Snapshot of every named event counter, sorted by name. */
    public Map<String, Long> events() {
        Map<String, Long> out = new TreeMap<>();
        events.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** One event's count (0 when it never happened). */
    public long event(String reason) {
        LongAdder a = events.get(reason);
        return a == null ? 0 : a.sum();
    }
}
