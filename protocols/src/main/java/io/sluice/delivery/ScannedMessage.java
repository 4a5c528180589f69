package io.sluice.delivery;

import java.util.Objects;

/**
 * One message read by {@link DeliveryLog#scan} from another node's delivery partition, as that node would have read
 * it. Immutable.
 *
 * @param message   the message; its {@link Message#sharedGroups} are the shared subscriptions that node served for it
 *                  (null: every one it held)
 * @param forClient the client it was addressed to alone ({@code sluice.for}: handed over or forwarded to that node
 *                  for a session that moved there), or null for an ordinary delivery record
 * @param inflight  for a record addressed to one client: it had been sent to that client and not acknowledged
 */
public record ScannedMessage(Message message, String forClient, boolean inflight) {
    public ScannedMessage {
        Objects.requireNonNull(message, "message");
    }
}
