package io.sluice.daemon.cli;

import io.sluice.daemon.config.ConfigDocs;
import io.sluice.daemon.config.ConfigException;
import io.sluice.daemon.config.ConfigLoader;
import io.sluice.daemon.config.SluiceConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "config", description = "Check a config file, or print the sample config or the key reference.",
        subcommands = {ConfigCommand.Check.class, ConfigCommand.Sample.class, ConfigCommand.Reference.class})
final class ConfigCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "check", description = "Validate FILE exactly as `sluice run` would; print every problem with its line.")
    static final class Check implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "the YAML config file")
        Path file;

        @Override
        public Integer call() {
            try {
                SluiceConfig config = ConfigLoader.load(file);
                System.out.println(file + ": OK (node " + config.nodeId() + ", MQTT port " + config.mqtt().port()
                        + ", Kafka " + config.kafka().bootstrapServers() + ")");
                warnings(config).forEach(w -> System.out.println(file + ": warning: " + w));
                return 0;
            } catch (ConfigException e) {
                e.problems().forEach(System.err::println);
                System.err.println(file + ": " + e.problems().size() + " problem(s); nothing was started");
                return SluiceCommand.EXIT_CONFIG;
            }
        }
    }

    /** What is valid but will not work as an operator expects (a stale CRL), from the TLS listener's files. */
    private static java.util.List<String> warnings(SluiceConfig config) {
        if (!config.mqttTls().enabled()) {
            return java.util.List.of();
        }
        try {
            return io.sluice.tls.ServerTls.check(config.mqttTls().tlsConfig()).stream()
                    .map(w -> "mqtt_tls.crl_file: " + w).toList();
        } catch (IllegalArgumentException e) {
            return java.util.List.of("mqtt_tls: " + e.getMessage()); // a file changed since it was validated
        }
    }

    @Command(name = "sample", description = "Print a config with every key at its default, documented.")
    static final class Sample implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.print(ConfigDocs.sampleYaml());
            return 0;
        }
    }

    @Command(name = "reference", description = "Print the Markdown reference of every config key.")
    static final class Reference implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.print(ConfigDocs.markdownReference());
            return 0;
        }
    }
}
