package io.sluice.daemon.cli;

import io.sluice.daemon.config.ConfigException;
import io.sluice.daemon.config.ConfigLoader;
import io.sluice.daemon.config.SluiceConfig;
import io.sluice.daemon.internal.Wiring;
import io.sluice.sinks.kafka.KafkaTopics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "topics", description = "Manage the Kafka topics Sluice writes to.",
        subcommands = {TopicsCommand.Ensure.class})
final class TopicsCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "ensure", description = "Create the readings and sessions topics if absent, and report any"
            + " existing topic whose partitions, replication or min.insync.replicas differ from what is asked.")
    static final class Ensure implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "the YAML config file")
        Path configFile;

        @Option(names = "--partitions", description = "partitions of the readings topic (default: kafka.topic_partitions)")
        Integer partitions;

        @Option(names = "--replication-factor", description = "default: kafka.topic_replication_factor")
        Integer replicationFactor;

        @Option(names = "--min-insync-replicas", description = "default: kafka.topic_min_insync_replicas")
        Integer minInsyncReplicas;

        @Override
        public Integer call() {
            SluiceConfig config;
            try {
                config = ConfigLoader.load(configFile);
            } catch (ConfigException e) {
                e.problems().forEach(System.err::println);
                return SluiceCommand.EXIT_CONFIG;
            }
            SluiceConfig.Kafka k = config.kafka();
            int p = partitions != null ? partitions : k.topicPartitions();
            int rf = replicationFactor != null ? replicationFactor : k.topicReplicationFactor();
            int isr = minInsyncReplicas != null ? minInsyncReplicas : k.topicMinInsyncReplicas();
            if (p < 1 || rf < 1 || isr < 1 || isr > rf) {
                System.err.println("need partitions >= 1, replication factor >= 1, 1 <= min.insync.replicas <= replication factor");
                return 2;
            }
            try (KafkaTopics topics = Wiring.topics(config)) {
                Wiring.awaitKafka(topics, Duration.ofMillis(k.startupTimeoutMs()));
                boolean ok = Wiring.ensureTopics(topics, config, p, rf, isr, System.out);
                return ok ? 0 : 1;
            } catch (RuntimeException e) {
                System.err.println("topics ensure failed: " + e.getMessage());
                return SluiceCommand.EXIT_UNAVAILABLE;
            }
        }
    }
}
