package io.sluice.mqtt.internal.outbound;

import io.sluice.delivery.Message;
import io.sluice.delivery.Receipt;
import io.sluice.delivery.Receipts;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes a copy's delivery position once its fate is decided, through its receipt when it has one
 * (docs/DELIVERY.md, "Downlink receipts"): a copy of a downlink message (it has an origin) with receipts on is
 * finished only once its receipt is durable; when the writer does not take the receipt (its bound is reached) the
 * position stays unfinished, so a restart delivers the message again and writes the receipt then. Every other copy
 * is finished at once.
 *
 * <p>Threading: thread-safe; never blocks. Called on event loops, the delivery log's thread and the log's write
 * threads; positions are finished on whichever thread completes the receipt's write.
 */
final class CopyReceipts {
    private static final Logger LOG = LoggerFactory.getLogger(CopyReceipts.class);

    private final Positions positions;
    private final String nodeId;
    private final Clock clock;
    private volatile Receipts receipts = Receipts.OFF;

    CopyReceipts(Positions positions, String nodeId, Clock clock) {
        this.positions = positions;
        this.nodeId = nodeId;
        this.clock = clock;
    }

    /** Report to {@code r} from now on (before delivery starts). */
    void use(Receipts r) {
        this.receipts = Objects.requireNonNull(r, "receipts");
    }

    boolean on() {
        return receipts.enabled();
    }

    /** A graceful shutdown: waits up to {@code timeoutMs} for the receipts taken so far to be durable. */
    void awaitWritten(long timeoutMs) {
        receipts.awaitWritten(timeoutMs);
    }

    /** The copy of {@code m} at {@code position} for {@code clientId}, sent at {@code qos}, ends as {@code outcome}. */
    void settle(String clientId, Message m, int qos, long position, Receipt.Outcome outcome, String reason) {
        Receipts r = receipts;
        if (position == Positions.NONE || m.origin() == null || !r.enabled()) {
            positions.finished(position);
            return;
        }
        CompletionStage<Void> written;
        try {
            written = r.write(new Receipt(clientId, outcome, reason, m.origin(), m.topic(), qos, nodeId,
                    clock.millis()));
        } catch (RuntimeException e) {
            LOG.warn("Receipt for '{}' ({}) not taken: {}", clientId, m.origin(), e.toString());
            written = null;
        }
        if (written != null) {
            written.whenComplete((v, err) -> {
                if (err == null) {
                    positions.finished(position);
                }
            });
        }
    }

    /** The receipt outcome of a copy dropped for the counted {@code reason}. */
    static Receipt.Outcome outcomeOf(String reason) {
        return switch (reason) {
            case "delivery_expired" -> Receipt.Outcome.EXPIRED;
            case "queue_full" -> Receipt.Outcome.QUEUE_FULL;
            // PUBCOMP'd before a restart, its position not yet stored: acknowledged, reported again
            case "delivery_qos2_finished_before_restart" -> Receipt.Outcome.ACKED;
            default -> Receipt.Outcome.DROPPED;
        };
    }
}
