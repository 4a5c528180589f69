package io.sluice.sim.bench;

import io.sluice.stack.KafkaCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fleet on this machine for {@code bench-fleet}: one local single-broker Kafka (its own JVM) and up to
 * {@code size} Sluice nodes, each {@code sluice run} in its own JVM ({@link DaemonProcess}) with its own node_id,
 * MQTT port and admin port, all on the same topics, so each process's CPU can be read from /proc apart from the
 * others and from the load generator. Nodes are started on demand ({@link #start}), so a run can measure one node
 * before the others exist. Not thread-safe: the benchmark's main thread drives it.
 */
final class FleetNodes implements AutoCloseable {
    static final String READINGS = "fleet.readings";

    final KafkaCluster kafka;
    private final DaemonProcess[] nodes;

    /**
     * Starts Kafka and prepares (does not start) {@code size} nodes with {@code -Xmx} {@code heap}; the per-source
     * connection limits are off, as behind an L4 balancer every client would come from its address.
     */
    FleetNodes(int size, String heap, Path dir) throws Exception {
        KafkaCluster k = KafkaCluster.start(1);
        try {
            nodes = new DaemonProcess[size];
            for (int i = 0; i < size; i++) {
                Map<String, String> c = new LinkedHashMap<>();
                c.put("node_id", "node-" + (i + 1));
                c.put("mqtt.host", "127.0.0.1");
                c.put("mqtt.port", "%MQTT_PORT%");
                c.put("mqtt.max_connections_per_source", "0");
                c.put("mqtt.connection_rate_per_source", "0");
                c.put("kafka.bootstrap_servers", k.bootstrapServers());
                c.put("kafka.readings_topic", READINGS);
                c.put("kafka.sessions_topic", "fleet.sessions");
                c.put("kafka.topic_partitions", "6");
                c.put("kafka.topic_replication_factor", "1");
                c.put("kafka.topic_min_insync_replicas", "1");
                c.put("delivery.topic", "fleet.delivery");
                c.put("delivery.retained_topic", "fleet.retained");
                c.put("log.level", "warn");
                Path nodeDir = Files.createDirectories(dir.resolve("node-" + (i + 1)));
                nodes[i] = new DaemonProcess(nodeDir, ChaosStack.yaml(c), List.of("-Xmx" + heap));
            }
        } catch (Exception | Error e) {
            k.close();
            throw e;
        }
        this.kafka = k;
    }

    /** Starts node {@code i} (0-based) and waits until it is ready. */
    void start(int i) {
        nodes[i].start(Duration.ofSeconds(180));
    }

    DaemonProcess node(int i) {
        return nodes[i];
    }

    int[] ports(int count) {
        int[] ports = new int[count];
        for (int i = 0; i < count; i++) {
            ports[i] = nodes[i].mqttPort;
        }
        return ports;
    }

    /** CPU seconds (user + system) of nodes {@code 0 .. count-1} together; a node not running counts 0. */
    double nodesCpu(int count) {
        double sum = 0;
        for (int i = 0; i < count; i++) {
            long pid = nodes[i].pid();
            if (pid > 0 && nodes[i].alive()) {
                sum += ProcCpu.seconds(pid);
            }
        }
        return sum;
    }

    /** CPU seconds of each of nodes {@code 0 .. count-1}, for a per-node breakdown. */
    List<Double> eachCpu(int count) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(nodes[i].pid() > 0 && nodes[i].alive() ? ProcCpu.seconds(nodes[i].pid()) : 0);
        }
        return out;
    }

    double kafkaCpu() {
        return ProcCpu.seconds(kafka.pids().get(0));
    }

    /**
     * Waits until node {@code i}'s metric {@code name} reaches {@code atLeast}; returns whether it did within
     * {@code timeout}.
     */
    boolean awaitMetric(int i, String name, double atLeast, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            double v = nodes[i].metric(name);
            if (!Double.isNaN(v) && v >= atLeast) {
                return true;
            }
            Thread.sleep(250); // polling another process's metrics
        }
        return false;
    }

    /**
     * The named events each running node has counted so far ({@code sluice_events_total} by reason, non-zero ones),
     * one line per node: where a drop or a refusal went.
     */
    List<String> events() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < nodes.length; i++) {
            if (nodes[i].pid() < 0 || !nodes[i].alive()) {
                out.add("node-" + (i + 1) + ": not running");
                continue;
            }
            String counted = countedEvents(nodes[i].metrics());
            out.add("node-" + (i + 1) + ": " + (counted.isEmpty() ? "none" : counted));
        }
        return out;
    }

    /** From a Prometheus text body: the non-zero {@code sluice_events_total} series as "reason count, ...". */
    static String countedEvents(String metrics) {
        return metrics.lines().filter(l -> l.startsWith("sluice_events_total{"))
                .filter(l -> !l.endsWith(" 0.0"))
                .map(l -> l.replaceAll("^sluice_events_total\\{.*reason=\"([^\"]*)\".*} (\\S+?)(\\.0)?$", "$1 $2"))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /** Lines of the nodes' logs that report errors, at most {@code limit} per node, prefixed with the node. */
    List<String> errorLines(int limit) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < nodes.length; i++) {
            int node = i + 1;
            nodes[i].errorLines().stream().limit(limit).forEach(l -> out.add("node-" + node + ": " + l));
        }
        return out;
    }

    @Override
    public void close() {
        for (DaemonProcess n : nodes) {
            n.close();
        }
        kafka.close();
    }
}
