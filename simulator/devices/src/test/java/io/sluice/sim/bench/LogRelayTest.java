package io.sluice.sim.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The start offsets the benchmark hands the relay's JVM in one command line. */
class LogRelayTest {
    @Test
    void startOffsets_readBackAsSent() {
        Map<TopicPartition, Long> start = new LinkedHashMap<>();
        start.put(new TopicPartition("bench.readings", 0), 0L);
        start.put(new TopicPartition("bench.readings", 3), 1_250_001L);
        start.put(new TopicPartition("bench.readings", 1), Long.MAX_VALUE);
        String encoded = LogRelay.encode(start);
        assertEquals("bench.readings 0=0,3=1250001,1=" + Long.MAX_VALUE, encoded);
        assertEquals(start, LogRelay.decode(encoded));
    }
}
