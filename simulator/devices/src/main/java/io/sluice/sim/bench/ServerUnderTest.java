package io.sluice.sim.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** An MQTT server run as its own process so its CPU time can be measured apart from the load generator. */
final class ServerUnderTest implements AutoCloseable {
    final String name;
    final int port;
    private final Process process;

    private ServerUnderTest(String name, int port, Process process) {
        this.name = name;
        this.port = port;
        this.process = process;
    }

    long pid() {
        return process.pid();
    }

    /** Mosquitto from the distribution, no persistence, TCP_NODELAY on (Nagle would delay its PUBACKs ~10 ms). */
    static ServerUnderTest mosquitto(Path dir, int port) throws IOException {
        return mosquitto(dir, port, List.of("allow_anonymous true"));
    }

    /** Mosquitto as above with these lines of authentication config (e.g. password_file, allow_anonymous). */
    static ServerUnderTest mosquitto(Path dir, int port, List<String> authLines) throws IOException {
        return mosquitto(dir, port, authLines, List.of("persistence false", "max_inflight_messages 0"));
    }

    /**
     * Mosquitto as a broker delivering to subscribers: persistence on (in {@code dir}), TCP_NODELAY on, at most
     * {@code maxInflight} QoS 1 messages unacknowledged per subscriber (Sluice's delivery.max_inflight_per_session).
     */
    static ServerUnderTest mosquittoPersistent(Path dir, int port, int maxInflight) throws IOException {
        // started as root, Mosquitto drops to its own user, which must be able to write its store here
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        return mosquitto(dir, port, List.of("allow_anonymous true"), List.of("persistence true",
                "persistence_location " + dir + "/", "max_inflight_messages " + maxInflight));
    }

    private static ServerUnderTest mosquitto(Path dir, int port, List<String> authLines, List<String> storeLines)
            throws IOException {
        Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(conf, String.join("\n",
                "listener " + port + " 127.0.0.1",
                String.join("\n", authLines),
                String.join("\n", storeLines),
                "set_tcp_nodelay true",
                "max_queued_messages 0",
                "log_type error", ""));
        return start("mosquitto", port, List.of("mosquitto", "-c", conf.toString()), dir.resolve("mosquitto.log"));
    }

    /** The Sluice daemon from this classpath, writing to the given Kafka with acks=all. */
    static ServerUnderTest sluice(Path dir, int port, String bootstrap, String topic) throws IOException {
        return sluice(dir, port, bootstrap, topic, List.of());
    }

    /** The Sluice daemon as above with these extra YAML lines (whole sections, e.g. an auth section). */
    static ServerUnderTest sluice(Path dir, int port, String bootstrap, String topic, List<String> extraYaml)
            throws IOException {
        return sluice(dir, port, bootstrap, topic, extraYaml, java.util.Map.of());
    }

    /**
     * The Sluice daemon as above, with {@code mqttKafka} keys ({@code mqtt.KEY} or {@code kafka.KEY}, e.g.
     * {@code kafka.linger_ms}) added to or overriding those two sections.
     */
    static ServerUnderTest sluice(Path dir, int port, String bootstrap, String topic, List<String> extraYaml,
                                  java.util.Map<String, String> mqttKafka) throws IOException {
        java.util.Map<String, String> mqtt = new java.util.LinkedHashMap<>(java.util.Map.of("host", "127.0.0.1",
                "port", Integer.toString(port)));
        java.util.Map<String, String> kafka = new java.util.LinkedHashMap<>();
        kafka.put("bootstrap_servers", bootstrap);
        kafka.put("readings_topic", topic);
        kafka.put("sessions_topic", topic + "-sessions");
        kafka.put("topic_partitions", "6");
        kafka.put("topic_replication_factor", "1");
        kafka.put("topic_min_insync_replicas", "1");
        mqttKafka.forEach((key, value) -> {
            String[] parts = key.split("\\.", 2);
            switch (parts[0]) {
                case "mqtt" -> mqtt.put(parts[1], value);
                case "kafka" -> kafka.put(parts[1], value);
                default -> throw new IllegalArgumentException("not a mqtt.* or kafka.* key: " + key);
            }
        });
        List<String> lines = new ArrayList<>(extraYaml);
        lines.add("node_id: bench");
        lines.add("mqtt:");
        mqtt.forEach((k, v) -> lines.add("  " + k + ": " + v));
        lines.addAll(List.of("admin:", "  port: 0", "  token_file: " + dir.resolve("admin.token")));
        lines.add("kafka:");
        kafka.forEach((k, v) -> lines.add("  " + k + ": " + v));
        lines.addAll(List.of("log:", "  level: warn", ""));
        Path conf = dir.resolve("sluice.yaml");
        Files.writeString(conf, String.join("\n", lines));
        List<String> cmd = javaCommand(System.getProperty("java.class.path"));
        cmd.addAll(List.of("io.sluice.daemon.cli.SluiceCommand", "run", "--config", conf.toString()));
        return start("sluice", port, cmd, dir.resolve("sluice.log"));
    }

    /**
     * The naive bridge: Moquette (persistence off) forwarding each PUBLISH to the given Kafka topic with Sluice's
     * producer settings, after it has already sent the PUBACK. Its own JVM and classpath (Moquette brings Netty 4.1).
     */
    static ServerUnderTest moquetteBridge(Path dir, int port, String bootstrap, String topic) throws IOException {
        List<String> cmd = javaCommand(RecordedClasspath.withOwnClasses("/io/sluice/bench/moquette/bridge.classpath",
                "simulator/moquette-bridge"));
        cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        cmd.addAll(List.of("io.sluice.bench.moquette.MoquetteBridge", "127.0.0.1", Integer.toString(port), topic));
        SluiceProducerSettings.of(bootstrap).forEach((k, v) -> cmd.add(k + "=" + v));
        cmd.add("client.id=moquette-bridge");
        return start("moquette", port, cmd, dir.resolve("moquette.log"));
    }

    /**
     * The java command line of a JVM under test, up to its main class: the same JVM options for Sluice and the
     * Moquette bridge, {@code -Dsluice.bench.jvm="-Xmx256m -XX:+UseSerialGC"} to compare settings (default -Xmx1g).
     */
    private static List<String> javaCommand(String classpath) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        cmd.addAll(List.of(System.getProperty("sluice.bench.jvm", "-Xmx1g").trim().split("\\s+")));
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", classpath));
        return cmd;
    }

    private static ServerUnderTest start(String name, int port, List<String> cmd, Path log) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException(name + " exited: " + Files.readString(log));
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return new ServerUnderTest(name, port, p);
            } catch (IOException notYet) {
                try {
                    Thread.sleep(100); // readiness probe interval
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new UncheckedIOException(new IOException("interrupted"));
                }
            }
        }
        p.destroyForcibly();
        throw new IllegalStateException(name + " did not listen on " + port + ": " + Files.readString(log));
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
