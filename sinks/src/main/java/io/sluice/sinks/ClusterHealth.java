package io.sluice.sinks;

/**
 * The answer of a Kafka health check: either the cluster id and how many brokers are alive, or why not.
 *
 * @param clusterId   the cluster id, null when unreachable
 * @param brokerCount live brokers known to the cluster, 0 when unreachable
 * @param error       null when healthy; otherwise what went wrong, naming the bootstrap servers
 * @param authenticationFailed true when Kafka answered but refused this client's credentials or TLS handshake: a
 *                    matter of the client properties, which waiting does not fix
 */
public record ClusterHealth(String clusterId, int brokerCount, String error, boolean authenticationFailed) {

    public static ClusterHealth up(String clusterId, int brokerCount) {
        return new ClusterHealth(clusterId, brokerCount, null, false);
    }

    public static ClusterHealth down(String error) {
        return new ClusterHealth(null, 0, error, false);
    }

    /** Kafka refused the client's authentication (SASL credentials or mechanism, TLS handshake). */
    public static ClusterHealth authenticationFailed(String error) {
        return new ClusterHealth(null, 0, error, true);
    }

    public boolean healthy() {
        return error == null;
    }
}
