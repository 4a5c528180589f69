package io.sluice.sinks.kafka;

import io.sluice.sinks.ClusterHealth;
import io.sluice.sinks.TopicCheck;
import io.sluice.sinks.TopicException;
import io.sluice.sinks.TopicInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates and checks Sluice's topics and answers health checks, through one Kafka admin client.
 *
 * <p>Ensuring a topic is idempotent: an absent topic is created as asked; an existing one is never altered, only
 * compared, and every difference is returned in the {@link TopicCheck} so that the caller can refuse to run on,
 * say, a readings topic with replication factor 1 where 3 was asked.
 *
 * <p><b>Threading.</b> Thread-safe. Every method blocks the caller for up to the timeout given at construction (or
 * to {@link #health}); call them at start-up or from an admin thread, never from an event loop.
 */
public final class KafkaTopics implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTopics.class);

    private final String bootstrapServers;
    private final Duration timeout;
    private final Admin admin;

    /**
     * Creates the admin client; does not contact Kafka.
     *
     * @param bootstrapServers comma separated host:port list
     * @param clientProperties extra client properties (security, ...); may be empty
     * @param timeout          how long each operation may take
     * @throws IllegalArgumentException when Kafka refuses the configuration
     */
    public KafkaTopics(String bootstrapServers, Map<String, String> clientProperties, Duration timeout) {
        this.bootstrapServers = bootstrapServers;
        this.timeout = timeout;
        var props = new Properties();
        props.putAll(clientProperties);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "sluice-admin");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(timeout.toMillis()));
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(timeout.toMillis()));
        try {
            this.admin = Admin.create(props);
        } catch (KafkaException e) {
            throw new IllegalArgumentException("cannot create a Kafka admin client for " + bootstrapServers + ": "
                    + Failures.reason(e), e);
        }
    }

    /**
     * Ensures the readings topic: {@code cleanup.policy=delete} (compaction would drop readings that share a key)
     * and the given {@code min.insync.replicas}.
     */
    public TopicCheck ensureReadingsTopic(String name, int partitions, int replicationFactor, int minInsyncReplicas) {
        return ensure(name, partitions, replicationFactor, minInsyncReplicas, TopicConfig.CLEANUP_POLICY_DELETE);
    }

    /** Ensures the sessions topic: {@code cleanup.policy=compact} and the given {@code min.insync.replicas}. */
    public TopicCheck ensureSessionsTopic(String name, int partitions, int replicationFactor, int minInsyncReplicas) {
        return ensure(name, partitions, replicationFactor, minInsyncReplicas, TopicConfig.CLEANUP_POLICY_COMPACT);
    }

    /**
     * Ensures the delivery topic (docs/DELIVERY.md): {@code cleanup.policy=delete} like the readings topic, since
     * each record is one message on its way to a node.
     */
    public TopicCheck ensureDeliveryTopic(String name, int partitions, int replicationFactor, int minInsyncReplicas) {
        return ensure(name, partitions, replicationFactor, minInsyncReplicas, TopicConfig.CLEANUP_POLICY_DELETE);
    }

    /** Ensures the retained-messages topic: {@code cleanup.policy=compact}, so one message per MQTT topic remains. */
    public TopicCheck ensureRetainedTopic(String name, int partitions, int replicationFactor, int minInsyncReplicas) {
        return ensure(name, partitions, replicationFactor, minInsyncReplicas, TopicConfig.CLEANUP_POLICY_COMPACT);
    }

    private TopicCheck ensure(String name, int partitions, int rf, int minIsr, String cleanupPolicy) {
        checkArguments(name, partitions, rf, minIsr);
        Map<String, String> configs = Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, cleanupPolicy,
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, String.valueOf(minIsr));
        var newTopic = new NewTopic(name, partitions, (short) rf).configs(configs);
        try {
            await(admin.createTopics(List.of(newTopic)).all(), name, "create");
            awaitVisible(name);
            LOG.info("Created topic '{}' ({} partitions, replication factor {}, {})", name, partitions, rf, configs);
            return new TopicCheck(name, true, List.of());
        } catch (TopicException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        awaitVisible(name); // it may have been created a moment ago by another node, not yet known everywhere
        TopicInfo info = describe(name).orElseThrow(() ->
                new TopicException(name, "Kafka says it exists but cannot describe it", null));
        var differences = new ArrayList<TopicCheck.Difference>();
        compare(differences, "partitions", partitions, info.partitions());
        compare(differences, "replication.factor", rf, info.replicationFactor());
        for (var e : configs.entrySet()) {
            String actual = info.configs().get(e.getKey());
            if (!e.getValue().equals(actual)) {
                differences.add(new TopicCheck.Difference(e.getKey(), e.getValue(), String.valueOf(actual)));
            }
        }
        var check = new TopicCheck(name, false, differences);
        if (check.matches()) {
            LOG.info("Topic '{}' exists as expected", name);
        } else {
            LOG.warn("{}", check.describe());
        }
        return check;
    }

    /**
     * Waits until metadata shows the new topic, so that clients started right after (the session loader, the
     * log) find it. Kafka acknowledges a creation before every broker has learned of it.
     */
    private void awaitVisible(String name) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (describe(name).isEmpty()) {
            if (System.nanoTime() >= deadline) {
                throw new TopicException(name, "created, but not visible in metadata within " + timeout.toMillis()
                        + " ms", null);
            }
            try {
                Thread.sleep(50); // start-up only
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TopicException(name, "interrupted while waiting for it to appear", e);
            }
        }
    }

    private static void checkArguments(String name, int partitions, int rf, int minIsr) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("topic name must not be blank");
        }
        if (partitions < 1 || rf < 1 || rf > Short.MAX_VALUE || minIsr < 1 || minIsr > rf) {
            throw new IllegalArgumentException("topic '" + name + "': need partitions >= 1, replication factor >= 1"
                    + " and 1 <= min.insync.replicas <= replication factor (else every acks=all write fails);"
                    + " got partitions " + partitions + ", replication factor " + rf + ", min.insync.replicas "
                    + minIsr);
        }
    }

    private static void compare(List<TopicCheck.Difference> out, String property, int expected, int actual) {
        if (expected != actual) {
            out.add(new TopicCheck.Difference(property, String.valueOf(expected), String.valueOf(actual)));
        }
    }

    /**
     * Describes a topic: partitions, the smallest replica count of any partition, and its effective configs.
     * Empty when the topic does not exist, or when the broker asked has not learned of it yet.
     *
     * @throws TopicException when Kafka does not answer in time or refuses (e.g. not authorized)
     */
    public Optional<TopicInfo> describe(String topic) {
        TopicDescription description;
        try {
            description = await(admin.describeTopics(List.of(topic)).allTopicNames(), topic, "describe").get(topic);
        } catch (TopicException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return Optional.empty();
            }
            throw e;
        }
        int minReplicas = Integer.MAX_VALUE;
        for (TopicPartitionInfo p : description.partitions()) {
            minReplicas = Math.min(minReplicas, p.replicas().size());
        }
        var resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config;
        try {
            config = await(admin.describeConfigs(List.of(resource)).all(), topic, "describe configs of")
                    .get(resource);
        } catch (TopicException e) {
            // The configs request may reach a broker that has not yet learned of a just-created topic.
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return Optional.empty();
            }
            throw e;
        }
        var configs = new HashMap<String, String>();
        for (ConfigEntry entry : config.entries()) {
            if (entry.value() != null) {
                configs.put(entry.name(), entry.value());
            }
        }
        int partitions = description.partitions().size();
        return Optional.of(new TopicInfo(topic, partitions, partitions == 0 ? 0 : minReplicas, configs));
    }

    /**
     * Asks the cluster for its id and live brokers. Never throws for a Kafka reason: an unreachable or refusing
     * cluster gives {@link ClusterHealth#down} with the cause, one that refuses this client's SASL credentials or
     * TLS handshake {@link ClusterHealth#authenticationFailed}. Blocks up to {@code within}.
     */
    public ClusterHealth health(Duration within) {
        var options = new DescribeClusterOptions().timeoutMs((int) Math.min(Integer.MAX_VALUE, within.toMillis()));
        try {
            var cluster = admin.describeCluster(options);
            long ms = within.toMillis();
            String clusterId = cluster.clusterId().get(ms, TimeUnit.MILLISECONDS);
            int brokers = cluster.nodes().get(ms, TimeUnit.MILLISECONDS).size();
            return ClusterHealth.up(clusterId, brokers);
        } catch (ExecutionException e) {
            if (Failures.unwrap(e) instanceof AuthenticationException) {
                return ClusterHealth.authenticationFailed("Kafka at " + bootstrapServers + " refused to authenticate"
                        + " this client: " + Failures.reason(e));
            }
            return ClusterHealth.down("Kafka at " + bootstrapServers + " did not answer: " + Failures.reason(e));
        } catch (TimeoutException e) {
            return ClusterHealth.down("Kafka at " + bootstrapServers + " did not answer within " + within.toMillis()
                    + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ClusterHealth.down("interrupted while asking Kafka at " + bootstrapServers);
        }
    }

    private <T> T await(KafkaFuture<T> future, String topic, String action) {
        try {
            return future.get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new TopicException(topic, "cannot " + action + " it at " + bootstrapServers + ": "
                    + Failures.reason(cause), cause);
        } catch (TimeoutException e) {
            throw new TopicException(topic, "cannot " + action + " it: Kafka at " + bootstrapServers
                    + " did not answer within " + timeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopicException(topic, "interrupted while trying to " + action + " it", e);
        }
    }

    /** Closes the admin client, waiting up to the timeout for calls in progress. */
    @Override
    public void close() {
        admin.close(timeout);
    }
}
