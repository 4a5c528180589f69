package io.sluice.sim;

import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.config.ConfigLoader;
import io.sluice.daemon.internal.Logging;
import io.sluice.stack.KafkaCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice-sim stack}: a local Kafka broker (child JVM) and a Sluice daemon on it, up until interrupted, so the
 * other commands ({@code fleet}, {@code mqtt}, {@code churn}) can be pointed at a real deployment on one machine.
 * Prints the MQTT, MQTT-SN and line-protocol ports, the bootstrap servers, the topic and the daemon's pid. The
 * daemon uses the ACL {@link #ACL}, written to the stack's temporary directory.
 */
@Command(name = "stack", mixinStandardHelpOptions = true,
        description = "Starts a local Kafka broker and a Sluice daemon (MQTT, MQTT-SN, line protocol over UDP) and"
                + " keeps them up until interrupted.")
final class StackCommand implements Callable<Integer> {
    @Option(names = "--mqtt-port", description = "MQTT port; 0 picks a free one (default ${DEFAULT-VALUE})")
    int mqttPort = 1883;
    @Option(names = "--mqtt-sn-port", description = "MQTT-SN UDP port (default ${DEFAULT-VALUE})")
    int mqttSnPort = 1884;
    @Option(names = "--line-udp-port", description = "line-protocol UDP port (default ${DEFAULT-VALUE})")
    int lineUdpPort = 8089;
    @Option(names = "--partitions", description = "partitions of the readings topic (default ${DEFAULT-VALUE})")
    int partitions = 4;
    @Option(names = "--topic", description = "readings topic (default ${DEFAULT-VALUE})")
    String topic = "sluice.readings";

    /**
     * The stack's ACL: every client may read and write every topic, except two it may not subscribe to or receive,
     * which is what MQTT conformance suites (Paho's interoperability tests) check as "subscribe failure". Leading
     * wildcards never match topics starting with '$', so a '$' topic needs a line of its own.
     */
    static final String ACL = """
            # sluice-sim stack: everything readable and writable (pattern lines apply to every client) ...
            pattern readwrite #
            # ... '$' topics are not matched by a leading wildcard: the conformance suites publish to $TopicA/B
            pattern readwrite $TopicA/#
            # ... except these, which MQTT conformance suites (Paho's interoperability tests) expect a broker to
            # refuse on SUBSCRIBE (SUBACK 0x80 for MQTT 3.1.1, 0x87 for MQTT 5) as their "subscribe failure" case
            pattern deny nosubscribe
            pattern deny test/nosubscribe
            """;

    @Override
    public Integer call() throws Exception {
        Logging.configure("warn", "text");
        Path dir = Files.createTempDirectory("sluice-stack-");
        Path acl = Files.writeString(dir.resolve("acl"), ACL);
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        try (KafkaCluster kafka = KafkaCluster.start(1)) {
            Map<String, String> settings = new HashMap<>(Map.ofEntries(
                    Map.entry("node_id", "stack"), Map.entry("mqtt.host", "0.0.0.0"),
                    // a local stack for trying Sluice out: devices on other hosts may connect without credentials
                    Map.entry("auth.allow_anonymous", "true"), Map.entry("auth.acl_file", acl.toString()),
                    Map.entry("mqtt.port", Integer.toString(mqttPort)),
                    Map.entry("mqtt_sn.enabled", "true"), Map.entry("mqtt_sn.port", Integer.toString(mqttSnPort)),
                    Map.entry("line_udp.enabled", "true"), Map.entry("line_udp.port", Integer.toString(lineUdpPort)),
                    Map.entry("admin.port", "0"), Map.entry("admin.token_file", dir.resolve("admin.token").toString()),
                    Map.entry("kafka.bootstrap_servers", kafka.bootstrapServers()),
                    Map.entry("kafka.readings_topic", topic), Map.entry("kafka.sessions_topic", topic + ".sessions"),
                    Map.entry("kafka.topic_partitions", Integer.toString(partitions)),
                    Map.entry("kafka.topic_replication_factor", "1"), Map.entry("kafka.topic_min_insync_replicas", "1"),
                    Map.entry("shutdown.drain_timeout_ms", "2000")));
            try (SluiceDaemon daemon = SluiceDaemon.start(ConfigLoader.fromMap(settings))) {
                // on SIGTERM/SIGINT: let main close the daemon before the broker, then let the JVM end
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    stop.countDown();
                    try {
                        closed.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
                System.out.printf("ready: mqtt %d, mqtt-sn %d, line-udp %d, kafka %s, topic %s, daemon pid %d"
                                + " (Ctrl-C stops)%n", daemon.mqttPort(), daemon.mqttSn().port(), daemon.lineUdp().port(),
                        kafka.bootstrapServers(), topic, ProcessHandle.current().pid());
                System.out.flush();
                stop.await();
            }
        } catch (SluiceDaemon.StartupException | io.sluice.daemon.config.ConfigException e) {
            System.err.println("sluice-sim stack: " + e.getMessage()); // e.g. a port in use, a bad partition count
            return 1;
        } finally {
            closed.countDown();
        }
        return 0;
    }
}
