package io.sluice.udp;

import io.sluice.ingest.EventCounters;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the MQTT-SN gateway, cheap to bump from any thread. Drops and refusals are named events:
 * "malformed", "too_large", "not_allowed", "rate_limited", "budget_spent", "not_connected", "invalid_topic",
 * "duplicate", "duplicate_inflight", "unsupported_type", "qos2_unsupported", and the bounds of
 * {@link MqttSnLimits}: "too_many_clients", "too_many_topics", "topic_bytes_per_client", "topic_bytes_total",
 * "inflight_full".
 */
public final class MqttSnStats extends EventCounters {
    public final LongAdder datagrams = new LongAdder();
    public final LongAdder publishesSubmitted = new LongAdder();
    public final LongAdder deliveryFailures = new LongAdder();
}
