package io.sluice.daemon.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.daemon.config.ConfigLoader;
import io.sluice.daemon.config.SluiceConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeapCheckTest {
    private static final SluiceConfig DEFAULTS = ConfigLoader.fromMap(Map.of());

    @Test
    void defaults_addUpTo272MiB_ofFixedBounds() {
        assertEquals(272L << 20, HeapCheck.fixedBytes(DEFAULTS));
    }

    @Test
    void a512MiBHeap_isTooSmallForTheDefaults_andTheWarningSaysWhatToGive() {
        String w = HeapCheck.warning(DEFAULTS, 512L << 20).orElseThrow();
        assertTrue(w.contains("272 MiB"), w);
        assertTrue(w.contains("at least 544 MiB"), w);
        assertTrue(w.contains("kafka.buffer_memory_bytes 128 MiB"), w);
    }

    @Test
    void aHeapOfTwiceTheBounds_isFine_andLoweredBoundsFitASmallHeap() {
        assertTrue(HeapCheck.warning(DEFAULTS, 544L << 20).isEmpty());
        SluiceConfig small = ConfigLoader.fromMap(Map.of("ingest.max_inflight_bytes", "16777216",
                "kafka.buffer_memory_bytes", "33554432", "mqtt.max_partial_packet_bytes", "8388608",
                "mqtt.max_packet_size_bytes", "262144"));
        assertTrue(HeapCheck.warning(small, 256L << 20).isEmpty(), () -> HeapCheck.warning(small, 256L << 20).get());
    }
}
