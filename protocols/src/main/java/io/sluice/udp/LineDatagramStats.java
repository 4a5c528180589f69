package io.sluice.udp;

import io.sluice.ingest.EventCounters;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the plain datagram source, cheap to bump from any event loop. Drops are named events:
 * "malformed_line", "too_large", "rate_limited", "not_allowed", "budget_spent".
 */
public final class LineDatagramStats extends EventCounters {
    public final LongAdder datagrams = new LongAdder();
    public final LongAdder linesSubmitted = new LongAdder();
    public final LongAdder deliveryFailures = new LongAdder();
}
