package io.sluice.mqtt.internal.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.delivery.DeliveryLog;
import io.sluice.delivery.Message;
import io.sluice.delivery.Route;
import io.sluice.ingest.Delivery;
import io.sluice.mqtt.DeliveryLimits;
import io.sluice.mqtt.MqttStats;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The answers to "did that node stop gracefully?" are kept per node name, and node names come from other nodes'
 * session records: what is held stays bounded however many names clients bring.
 */
class RecoveryStoppedAnswersTest {
    private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    private final AtomicInteger asked = new AtomicInteger();

    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(now.get());
        }
    };

    private final DeliveryLog log = new DeliveryLog() {
        @Override
        public CompletionStage<Delivery> appendRoutes(Message message, List<Route> routes) {
            return CompletableFuture.completedFuture(Delivery.DELIVERED);
        }

        @Override
        public CompletionStage<Boolean> stoppedGracefully(String node) {
            asked.incrementAndGet();
            return CompletableFuture.completedFuture(false);
        }

        @Override
        public CompletionStage<Delivery> retain(Message message) {
            return CompletableFuture.completedFuture(Delivery.DELIVERED);
        }

        @Override
        public void start(io.sluice.delivery.DeliveryListener listener) {
        }

        @Override
        public void commit(long position) {
        }

        @Override
        public void close() {
        }
    };

    @Test
    void answersOfManyNodeNames_areDroppedOnceStale_soWhatIsHeldStaysBounded() {
        Broker broker = new Broker(log, "node-b", DeliveryLimits.defaults(), new MqttStats(), clock);
        Recovery recovery = broker.recovery();
        for (int i = 0; i < Recovery.MAX_STOPPED_ANSWERS; i++) {
            recovery.checkStopped("client-" + i, "node-" + i);
        }
        assertEquals(Recovery.MAX_STOPPED_ANSWERS, recovery.stoppedAnswersHeld());
        assertEquals(Recovery.MAX_STOPPED_ANSWERS, asked.get(), "one question per node");

        now.addAndGet(Recovery.STOPPED_ANSWER_MS); // every answer is stale now
        recovery.checkStopped("client-x", "node-x");
        assertEquals(1, recovery.stoppedAnswersHeld(), "the stale answers went; the new one stays");
        recovery.checkStopped("client-y", "node-x");
        assertTrue(asked.get() == Recovery.MAX_STOPPED_ANSWERS + 1, "a fresh answer is shared: " + asked.get());
    }
}
