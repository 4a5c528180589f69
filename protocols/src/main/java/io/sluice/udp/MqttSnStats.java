package io.sluice.udp;

import io.sluice.ingest.EventCounters;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the MQTT-SN gateway, cheap to bump from any thread. Drops and refusals are named events:
 * "malformed", "too_large", "budget_spent", "not_connected", "invalid_topic", "duplicate", "unsupported_type",
 * "qos2_unsupported".
 */
public final class MqttSnStats extends EventCounters {
    public final LongAdder datagrams = new LongAdder();
    public final LongAdder publishesSubmitted = new LongAdder();
    public final LongAdder deliveryFailures = new LongAdder();
}
