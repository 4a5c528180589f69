package io.sluice.sinks.downlink;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.delivery.Origin;
import io.sluice.delivery.Receipt;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The receipts writer's own logic over Kafka's MockProducer (acknowledgements completed by the test): a receipt's
 * stage completes only once Kafka acknowledged it, a failed send is tried again rather than dropped, and beyond the
 * byte bound nothing is taken. The real topic is covered by DownlinkReceiptsIT.
 */
class KafkaReceiptsTest {
    private final MockProducer<String, byte[]> producer = new MockProducer<>(false, null, new StringSerializer(),
            new ByteArraySerializer());
    private final ReceiptsConfig config = new ReceiptsConfig("localhost:1", "receipts", 2048, 1, 1000, 1000, 1000,
            "test", Map.of());
    private final KafkaReceipts receipts = new KafkaReceipts(config, producer);

    @AfterEach
    void close() {
        receipts.close(Duration.ofMillis(100));
    }

    private static Receipt receipt(String clientId, long offset) {
        return new Receipt(clientId, Receipt.Outcome.ACKED, null, new Origin("d", 0, offset, null), "cmd/x", 1, "n",
                1);
    }

    @Test
    void aReceipt_completesOnlyOnceKafkaAcknowledgedIt_keyedByTheClientId() {
        CompletableFuture<Void> f = receipts.write(receipt("dev-1", 7)).toCompletableFuture();

        await().until(() -> producer.history().size() == 1);
        assertFalse(f.isDone());
        assertEquals("dev-1", producer.history().get(0).key());
        assertEquals("receipts", producer.history().get(0).topic());
        assertEquals(1, receipts.stats().pending());

        producer.completeNext();
        await().until(f::isDone);
        assertFalse(f.isCompletedExceptionally());
        assertEquals(1, receipts.stats().written());
        assertEquals(0, receipts.stats().pending());
        assertEquals(0, receipts.stats().pendingBytes());
    }

    @Test
    void aFailedSend_isTriedAgain_notDropped() {
        CompletableFuture<Void> f = receipts.write(receipt("dev-1", 7)).toCompletableFuture();
        await().until(() -> producer.history().size() == 1);

        producer.errorNext(new TimeoutException("broker gone"));
        await().until(() -> producer.history().size() == 2); // sent again after the backoff
        assertFalse(f.isDone());
        assertEquals(1, receipts.stats().failed());

        producer.completeNext();
        await().until(f::isDone);
        assertFalse(f.isCompletedExceptionally());
        assertEquals(1, receipts.stats().written());
    }

    @Test
    void beyondTheByteBound_nothingIsTaken_andCountedHeld() {
        int taken = 0;
        while (receipts.write(receipt("dev-" + taken, taken)) != null) {
            taken++;
            assertTrue(taken < 100, "the bound of 2048 bytes never refused");
        }
        assertTrue(taken >= 1, "one receipt alone always fits");
        assertEquals(1, receipts.stats().held());
        assertTrue(receipts.stats().pendingBytes() <= 2048);

        await().until(() -> producer.history().size() == receipts.stats().pending());
        while (producer.completeNext()) {
            // Kafka acknowledges what waits: room again
        }
        await().until(() -> receipts.stats().pending() == 0);
        assertNotNull(receipts.write(receipt("dev-x", 99)));
    }

    @Test
    void atClose_whatKafkaDidNotAcknowledge_completesExceptionally_andLaterWritesAreNotTaken() {
        CompletableFuture<Void> f = receipts.write(receipt("dev-1", 7)).toCompletableFuture();
        await().until(() -> producer.history().size() == 1);

        receipts.close(Duration.ofMillis(50));

        assertTrue(f.isCompletedExceptionally());
        assertNull(receipts.write(receipt("dev-2", 8)));
    }
}
