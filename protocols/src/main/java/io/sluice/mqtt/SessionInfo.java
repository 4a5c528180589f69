package io.sluice.mqtt;

import java.util.List;

/**
 * What an operator sees of a session.
 *
 * @param clientId             client identifier
 * @param protocolVersion      "3.1.1" or "5"
 * @param persistent           true when stored in the sessions topic
 * @param connected            true when its client is connected to this node now
 * @param expirySeconds        how long it outlives a disconnect
 * @param disconnectedAtMillis when its client last disconnected (epoch ms), 0 while connected or unknown
 * @param subscriptions        stored topic filters
 */
public record SessionInfo(String clientId, String protocolVersion, boolean persistent, boolean connected,
                          long expirySeconds, long disconnectedAtMillis, List<String> subscriptions) {
}
