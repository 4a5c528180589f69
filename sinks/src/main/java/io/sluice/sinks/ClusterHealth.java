package io.sluice.sinks;

/**
 * The answer of a Kafka health check: either the cluster id and how many brokers are alive, or why not.
 *
 * @param clusterId   the cluster id, null when unreachable
 * @param brokerCount live brokers known to the cluster, 0 when unreachable
 * @param error       null when healthy; otherwise what went wrong, naming the bootstrap servers
 */
public record ClusterHealth(String clusterId, int brokerCount, String error) {

    public static ClusterHealth up(String clusterId, int brokerCount) {
        return new ClusterHealth(clusterId, brokerCount, null);
    }

    public static ClusterHealth down(String error) {
        return new ClusterHealth(null, 0, error);
    }

    public boolean healthy() {
        return error == null;
    }
}
