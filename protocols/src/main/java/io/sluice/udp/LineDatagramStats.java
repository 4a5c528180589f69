package io.sluice.udp;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the plain datagram source, cheap to bump from any event loop. Drops are named events:
 * "malformed_line", "too_large", "rate_limited", "not_allowed", "budget_spent".
 */
public final class LineDatagramStats {
    public final LongAdder datagrams = new LongAdder();
    public final LongAdder linesSubmitted = new LongAdder();
    public final LongAdder deliveryFailures = new LongAdder();
    private final Map<String, LongAdder> events = new ConcurrentHashMap<>();

    public void count(String reason) {
        events.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    public Map<String, Long> events() {
        Map<String, Long> out = new TreeMap<>();
        events.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    public long event(String reason) {
        LongAdder a = events.get(reason);
        return a == null ? 0 : a.sum();
    }
}
