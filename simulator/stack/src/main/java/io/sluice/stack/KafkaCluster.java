package io.sluice.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * A real Kafka cluster of one or three KRaft nodes, each a child JVM started from the kafka_2.13 artifact, on free
 * loopback ports, with its data in a temporary directory. Used by integration tests and by the demo.
 *
 * <p>By default clients connect in plaintext; {@link #start(int, KafkaSecurity)} secures the client listener with
 * SASL (and TLS), and {@link #clientProperties()} says how to log in.
 *
 * <p>Blocking: {@link #start}, {@link #startBroker} wait until the cluster answers with every running broker.
 * Thread-safe. A JVM shutdown hook kills any node still running, so no broker outlives its test JVM.
 */
public final class KafkaCluster implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static KafkaCluster shared;

    private final Path dir;
    private final String clusterId = Uuid.randomUuid().toString();
    private final List<KafkaNode> nodes = new ArrayList<>();
    private final String voters;
    private final KafkaSecurity security;
    private final TestCa ca;
    private Admin admin;

    private KafkaCluster(int size, Path dir, Map<String, String> brokerProperties, KafkaSecurity security) {
        this.dir = dir;
        this.security = security;
        this.ca = security.tls() ? TestCa.create(dir.resolve("tls")) : null;
        for (int i = 0; i < size; i++) {
            Path nodeDir = dir.resolve("node-" + (i + 1));
            nodes.add(security.enabled()
                    ? new KafkaNode(i + 1, freePort(), freePort(), nodeDir, brokerProperties, security, freePort(),
                            ca == null ? null : ca.serverKeystore())
                    : new KafkaNode(i + 1, freePort(), freePort(), nodeDir, brokerProperties));
        }
        this.voters = nodes.stream().map(KafkaNode::voter).collect(Collectors.joining(","));
        Runtime.getRuntime().addShutdownHook(new Thread(this::killAll, "kafka-cluster-cleanup"));
    }

    /** Starts a cluster of {@code size} nodes (1 or 3 are the sizes tests use) and waits until it answers. */
    public static KafkaCluster start(int size) {
        return start(size, Map.of());
    }

    /**
     * As {@link #start(int)}, with broker properties over the harness's defaults (e.g. a faster failover:
     * {@code broker.session.timeout.ms}).
     */
    public static KafkaCluster start(int size, Map<String, String> brokerProperties) {
        return start(size, brokerProperties, KafkaSecurity.none());
    }

    /**
     * Starts a cluster of {@code size} nodes whose client listener is secured as {@code security} says (clients need
     * {@link #clientProperties()}), and waits until it answers through that listener.
     */
    public static KafkaCluster start(int size, KafkaSecurity security) {
        return start(size, Map.of(), security);
    }

    /** As {@link #start(int, KafkaSecurity)}, with broker properties over the harness's defaults. */
    public static KafkaCluster start(int size, Map<String, String> brokerProperties, KafkaSecurity security) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be >= 1: " + size);
        }
        try {
            KafkaCluster cluster = new KafkaCluster(size, Files.createTempDirectory("sluice-kafka-"),
                    brokerProperties, security);
            cluster.startAll();
            return cluster;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One single-node cluster shared by every caller in this JVM (test classes that never stop a broker). Started
     * on first use, killed when the JVM exits; {@link #close()} on it does nothing.
     */
    public static synchronized KafkaCluster shared() {
        if (shared == null) {
            shared = start(1);
        }
        return shared;
    }

    /** The client listeners (the secured ones when the cluster has security). */
    public String bootstrapServers() {
        return nodes.stream().map(n -> "127.0.0.1:" + n.clientPort()).collect(Collectors.joining(","));
    }

    public KafkaSecurity security() {
        return security;
    }

    /** The client properties a client needs to log in as the cluster's user; empty without security. */
    public Map<String, String> clientProperties() {
        return security.enabled() ? clientProperties(security.username(), security.password()) : Map.of();
    }

    /** The client properties that log in as {@code user} / {@code password} (for refused logins). */
    public Map<String, String> clientProperties(String user, String password) {
        return security.clientProperties(user, password, ca == null ? null : ca.caPem().toString());
    }

    /** The PEM file of the CA that signed the brokers' certificates; null without TLS. */
    public Path caFile() {
        return ca == null ? null : ca.caPem();
    }

    /** Process ids of the running broker JVMs (for CPU accounting in benchmarks). */
    public List<Long> pids() {
        return nodes.stream().filter(KafkaNode::isAlive).map(KafkaNode::pid).toList();
    }

    public int size() {
        return nodes.size();
    }

    /** An admin client for this cluster, owned by the cluster (do not close it). */
    public synchronized Admin admin() {
        if (admin == null) {
            Properties p = new Properties();
            p.putAll(clientProperties());
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
            p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
            admin = Admin.create(p);
        }
        return admin;
    }

    /** Creates a topic (no-op when it exists) and waits until its metadata is visible. */
    public void createTopic(String name, int partitions, int replicationFactor, int minInsyncReplicas) {
        NewTopic topic = new NewTopic(name, partitions, (short) replicationFactor)
                .configs(Map.of("min.insync.replicas", Integer.toString(minInsyncReplicas)));
        try {
            admin().createTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + name + ": " + e, e);
            }
        }
        Wait.until("topic " + name + " visible", Duration.ofSeconds(30),
                () -> admin().describeTopics(List.of(name)).allTopicNames().get(5, TimeUnit.SECONDS).containsKey(name));
    }

    /** Kills node {@code index} (0-based) at once, as a crash would. */
    public synchronized void stopBroker(int index) {
        nodes.get(index).kill();
    }

    /** Restarts node {@code index} on its old ports and data, and waits until the cluster sees it again. */
    public synchronized void startBroker(int index) {
        nodes.get(index).start(voters, clusterId, nodes.size());
        awaitBrokers();
    }

    /** Kills every node and deletes the cluster's data. No-op for {@link #shared()}. */
    @Override
    public void close() {
        if (this == shared) {
            return;
        }
        killAll();
        TempDirs.delete(dir);
    }

    private synchronized void startAll() {
        for (KafkaNode node : nodes) {
            node.start(voters, clusterId, nodes.size());
        }
        awaitBrokers();
    }

    private void awaitBrokers() {
        long running = nodes.stream().filter(KafkaNode::isAlive).count();
        try {
            Wait.until(running + " Kafka broker(s) at " + bootstrapServers(), READY_TIMEOUT, () -> {
                for (KafkaNode n : nodes) {
                    if (!n.isAlive() && running == nodes.size()) {
                        throw new IllegalStateException("Kafka node " + n.id() + " exited:\n" + n.logTail(40));
                    }
                }
                return admin().describeCluster().nodes().get(5, TimeUnit.SECONDS).size() >= running;
            });
        } catch (RuntimeException e) {
            StringBuilder logs = new StringBuilder();
            nodes.forEach(n -> logs.append("\n--- node ").append(n.id()).append(" ---\n").append(n.logTail(30)));
            throw new IllegalStateException(e.getMessage() + logs, e);
        }
    }

    private synchronized void killAll() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(1));
            admin = null;
        }
        nodes.forEach(KafkaNode::kill);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
