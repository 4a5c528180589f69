package io.sluice.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One real Kafka node (KRaft, broker and controller in one process) running as a child JVM. Formats its storage on
 * first start; later starts reuse the same ports and data, so a test can kill a broker and bring it back.
 * Not thread-safe: the owning {@link KafkaCluster} serialises calls.
 */
final class KafkaNode {
    private final int id;
    private final int brokerPort;
    private final int controllerPort;
    private final Path dir;
    private final Path logFile;
    private final KafkaSecurity security;
    private final int clientPort;
    private final Path keystore;
    private Process process;
    private boolean formatted;
    /** Broker properties over the defaults below (a later line of server.properties wins). */
    private final java.util.Map<String, String> overrides;

    KafkaNode(int id, int brokerPort, int controllerPort, Path dir, java.util.Map<String, String> overrides) {
        this(id, brokerPort, controllerPort, dir, overrides, KafkaSecurity.none(), -1, null);
    }

    /**
     * A node whose clients connect to {@code clientPort}, secured as {@code security} says ({@code keystore} the
     * PKCS12 keystore when it asks for TLS); {@code brokerPort} stays plaintext, for inter-broker traffic only.
     */
    KafkaNode(int id, int brokerPort, int controllerPort, Path dir, java.util.Map<String, String> overrides,
              KafkaSecurity security, int clientPort, Path keystore) {
        this.overrides = java.util.Map.copyOf(overrides);
        this.id = id;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        this.dir = dir;
        this.logFile = dir.resolve("broker.log");
        this.security = security;
        this.clientPort = clientPort;
        this.keystore = keystore;
    }

    int id() {
        return id;
    }

    int brokerPort() {
        return brokerPort;
    }

    /** The port clients connect to: the secured listener's, or the plaintext one without security. */
    int clientPort() {
        return security.enabled() ? clientPort : brokerPort;
    }

    int controllerPort() {
        return controllerPort;
    }

    String voter() {
        return id + "@127.0.0.1:" + controllerPort;
    }

    long pid() {
        return process == null ? -1 : process.pid();
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Writes server.properties, formats storage once, and launches the broker. Returns without waiting for it. */
    void start(String voters, String clusterId, int clusterSize) {
        if (isAlive()) {
            return;
        }
        try {
            Files.createDirectories(dir);
            Path props = dir.resolve("server.properties");
            Files.writeString(props, serverProperties(voters, clusterSize));
            if (!formatted) {
                List<String> format = new ArrayList<>(List.of("kafka.tools.StorageTool", "format", "-t", clusterId,
                        "-c", props.toString(), "--ignore-formatted"));
                if (security.scramFormatArgument() != null) {
                    format.addAll(List.of("--add-scram", security.scramFormatArgument()));
                }
                run(format, dir.resolve("format.log"));
                formatted = true;
            }
            List<String> cmd = java();
            cmd.add("kafka.Kafka");
            cmd.add(props.toString());
            process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Kafka node " + id + " in " + dir, e);
        }
    }

    /** Kills the broker at once (SIGKILL), as a crash would. */
    void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last lines of the broker's output, for failure messages. */
    String logTail(int lines) {
        try {
            if (!Files.exists(logFile)) {
                return "(no broker log)";
            }
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(broker log unreadable: " + e + ")";
        }
    }

    /** The harness defaults, the secured listener's settings if any, then the overrides (a later line wins). */
    private String serverProperties(String voters, int clusterSize) {
        String defaults = security.enabled() ? securedServerProperties(voters, clusterSize)
                : serverProperties(voters, clusterSize,
                        "listeners=PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort,
                        "advertised.listeners=PLAINTEXT://127.0.0.1:" + brokerPort,
                        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        return defaults + overrides.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue() + "\n")
                .sorted().collect(java.util.stream.Collectors.joining());
    }

    /** A CLIENT listener secured as asked, beside the plaintext inter-broker and controller listeners. */
    private String securedServerProperties(String voters, int clusterSize) {
        String base = serverProperties(voters, clusterSize,
                "listeners=PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort
                        + ",CLIENT://127.0.0.1:" + clientPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + brokerPort + ",CLIENT://127.0.0.1:" + clientPort,
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,CLIENT:"
                        + security.protocol());
        return base + String.join("\n", security.brokerProperties("client",
                keystore == null ? "" : keystore.toString(), TestCa.PASSWORD)) + "\n";
    }

    private String serverProperties(String voters, int clusterSize, String listeners, String advertised,
                                    String protocolMap) {
        int rf = Math.min(3, clusterSize);
        return String.join("\n",
                "process.roles=broker,controller",
                "node.id=" + id,
                "controller.quorum.voters=" + voters,
                listeners,
                advertised,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                protocolMap,
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=1",
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=" + rf,
                "offsets.topic.num.partitions=3",
                "transaction.state.log.replication.factor=" + rf,
                "transaction.state.log.min.isr=" + Math.min(2, rf),
                "transaction.state.log.num.partitions=3",
                "share.coordinator.state.topic.replication.factor=" + rf,
                "share.coordinator.state.topic.min.isr=" + Math.min(2, rf),
                "group.initial.rebalance.delay.ms=0",
                "log.segment.bytes=67108864",
                // a restarted node must rejoin quickly in failover tests
                "controller.quorum.election.timeout.ms=1000",
                "controller.quorum.fetch.timeout.ms=2000",
                "replica.lag.time.max.ms=10000",
                "");
    }

    private void run(List<String> mainAndArgs, Path log) throws IOException {
        List<String> cmd = java();
        cmd.addAll(mainAndArgs);
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("'" + String.join(" ", mainAndArgs) + "' failed for Kafka node " + id
                        + ":\n" + Files.readString(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while formatting Kafka storage", e);
        }
    }

    private static List<String> java() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xms256m");
        cmd.add("-Xmx768m");
        cmd.add("-XX:+UseG1GC");
        cmd.add("-Djava.awt.headless=true");
        cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        cmd.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
        cmd.add("-cp");
        cmd.add(BrokerClasspath.get());
        return cmd;
    }

    /** The broker's classpath, resolved by the build of sluice-kafka-runtime. */
    static final class BrokerClasspath {
        private static String value;

        static synchronized String get() {
            if (value == null) {
                String resource = "/io/sluice/stack/kafka-broker.classpath";
                try (InputStream in = KafkaNode.class.getResourceAsStream(resource)) {
                    if (in == null) {
                        throw new IllegalStateException(resource + " is missing: build simulator/kafka-runtime first");
                    }
                    value = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return value;
        }
    }
}
