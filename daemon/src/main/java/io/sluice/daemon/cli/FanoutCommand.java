package io.sluice.daemon.cli;

import io.sluice.daemon.SluiceDaemon;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice fanout}: runs only the fan-out (readings topic to the TSDB) in the foreground, whatever
 * {@code fanout.enabled} says, so it can scale apart from ingest. Signals and exit codes as {@code sluice run}.
 */
@Command(name = "fanout",
        description = "Run only the fan-out (readings topic to the InfluxDB-compatible TSDB) in the foreground"
                + " until SIGTERM or SIGINT; the fanout section of the config says where and how.")
final class FanoutCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "the YAML config file")
    Path configFile;

    @Override
    public Integer call() throws InterruptedException {
        return RunCommand.foreground(configFile, SluiceDaemon::startFanout);
    }
}
