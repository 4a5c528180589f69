package io.sluice.daemon.internal;

import io.sluice.daemon.config.SluiceConfig;
import java.util.Optional;

/**
 * Start-up check that the heap fits the memory bounds the config sets: the fixed bounds of docs/LIMITS.md (readings
 * in flight, the two producers' buffers, queued session writes, partial packets) should take at most half the heap,
 * leaving the rest for sessions, connections and the fan-out. Beyond that, a node under load (or under attack) fills
 * its heap and spends its time in garbage collection instead of failing a bound cleanly. Stateless.
 */
public final class HeapCheck {
    /** Kafka's default {@code buffer.memory}, which the session log's producer keeps. */
    static final long SESSION_LOG_BUFFER_BYTES = 32L << 20;

    private HeapCheck() {
    }

    /** The fixed bounds' sum in bytes. */
    static long fixedBytes(SluiceConfig c) {
        return c.ingest().maxInflightBytes() + c.kafka().bufferMemoryBytes() + SESSION_LOG_BUFFER_BYTES
                + c.mqtt().sessionStoreMaxQueuedBytes() + c.mqtt().maxPartialPacketBytes();
    }

    /** A warning for the log when the fixed bounds take more than half of {@code maxHeapBytes}; empty otherwise. */
    public static Optional<String> warning(SluiceConfig c, long maxHeapBytes) {
        long fixed = fixedBytes(c);
        if (fixed <= maxHeapBytes / 2) {
            return Optional.empty();
        }
        return Optional.of(String.format(java.util.Locale.ROOT,
                "The heap (%d MiB) is small for this configuration: its fixed memory bounds add up to %d MiB"
                        + " (ingest.max_inflight_bytes %d MiB, kafka.buffer_memory_bytes %d MiB, the session log's"
                        + " producer %d MiB, mqtt.session_store_max_queued_bytes %d MiB, mqtt.max_partial_packet_bytes"
                        + " %d MiB), more than half of it, which leaves too little for sessions, connections and the"
                        + " fan-out: under load the node may spend its time in garbage collection. Give the JVM at"
                        + " least %d MiB (SLUICE_JAVA_OPTS, e.g. -Xmx) or lower those keys; see docs/LIMITS.md",
                maxHeapBytes >> 20, fixed >> 20, c.ingest().maxInflightBytes() >> 20,
                c.kafka().bufferMemoryBytes() >> 20, SESSION_LOG_BUFFER_BYTES >> 20,
                c.mqtt().sessionStoreMaxQueuedBytes() >> 20, c.mqtt().maxPartialPacketBytes() >> 20,
                (2 * fixed) >> 20));
    }
}
