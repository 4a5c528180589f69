package io.sluice.udp;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the MQTT-SN gateway, cheap to bump from any thread. Drops and refusals are named events:
 * "malformed", "too_large", "budget_spent", "not_connected", "invalid_topic", "duplicate", "unsupported_type",
 * "qos2_unsupported".
 */
public final class MqttSnStats {
    public final LongAdder datagrams = new LongAdder();
    public final LongAdder publishesSubmitted = new LongAdder();
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
