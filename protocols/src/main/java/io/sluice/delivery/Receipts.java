package io.sluice.delivery;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where the MQTT side reports the fate of each copy of a downlink message (docs/DELIVERY.md, "Downlink receipts"):
 * implemented in {@code sinks} on the receipts topic, wired by the daemon. The copy's delivery position is finished
 * only once its receipt is durable, so a crash before then delivers the message again and the receipt is written
 * then (at least once).
 *
 * <p>Threading: {@link #write} is thread-safe and never blocks (it is called on event loops and on the delivery
 * log's reader thread). Its stage completes normally once the receipt is durable, on an arbitrary thread, or
 * exceptionally when the writer closed before that.
 */
public interface Receipts {
    /** No receipts topic: nothing is written and positions finish as before. */
    Receipts OFF = new Receipts() {
        @Override
        public boolean enabled() {
            return false;
        }

        @Override
        public CompletionStage<Void> write(Receipt receipt) {
            return CompletableFuture.completedFuture(null);
        }
    };

    /** False when there is no receipts topic. */
    default boolean enabled() {
        return true;
    }

    /**
     * Takes {@code receipt} for writing. Returns null when it is not taken (the bound of receipts waiting for Kafka
     * is reached, or the writer is closed): the caller then leaves the copy's position unfinished, so the message is
     * delivered again after the next start and its receipt written then.
     */
    CompletionStage<Void> write(Receipt receipt);

    /**
     * Blocks until every receipt taken so far is durable (or failed for good), at most {@code timeoutMs}: at a
     * graceful shutdown, after the connections closed and before the delivery log stores its last position.
     */
    default void awaitWritten(long timeoutMs) {
    }
}
