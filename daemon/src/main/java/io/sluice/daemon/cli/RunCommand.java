package io.sluice.daemon.cli;

import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.config.ConfigException;
import io.sluice.daemon.config.ConfigLoader;
import io.sluice.daemon.config.SluiceConfig;
import io.sluice.daemon.internal.Logging;
import io.sluice.daemon.internal.Reload;
import io.sluice.notify.SystemdNotify;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code sluice run}: starts the daemon in the foreground. SIGTERM or SIGINT drains (stop accepting, wait for
 * outstanding Kafka acknowledgements up to {@code shutdown.drain_timeout_ms}, flush) and exits 0. SIGHUP re-reads
 * the config file: the log level and format change at once, other changes are named as needing a restart.
 */
@Command(name = "run", description = "Run the Sluice daemon in the foreground until SIGTERM or SIGINT.")
final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "the YAML config file")
    Path configFile;

    @Override
    public Integer call() throws InterruptedException {
        return foreground(configFile, SluiceDaemon::start);
    }

    /**
     * Loads the config, starts a node with {@code starter} and runs it until SIGTERM or SIGINT; SIGHUP reloads.
     * Returns the exit code: 0 drained, 1 drain timed out, 69 Kafka unavailable, 78 bad config.
     */
    static int foreground(Path configFile, Function<SluiceConfig, SluiceDaemon> starter) throws InterruptedException {
        SluiceConfig config;
        try {
            config = ConfigLoader.load(configFile);
        } catch (ConfigException e) {
            e.problems().forEach(System.err::println);
            System.err.println(configFile + ": " + e.problems().size() + " problem(s); Sluice did not start");
            return SluiceCommand.EXIT_CONFIG;
        }
        Logging.configure(config.log().level(), config.log().format());

        CountDownLatch stop = new CountDownLatch(1);
        // Handle the signals ourselves (not a shutdown hook) so a drained stop exits 0 rather than 143.
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        // before start-up: a HUP arriving as soon as "ready" is logged must reload, not hit the JVM's default
        // action (exit 129)
        Reload reload = new Reload(configFile, config);
        if (Signal.handle(new Signal("HUP"), s -> reload.reload()) == sun.misc.SignalHandler.SIG_IGN) {
            LOG.warn("SIGHUP was ignored when this process started (nohup?): reloading the config needs a restart");
        }

        SluiceDaemon daemon;
        try {
            daemon = starter.apply(config);
            reload.attach(daemon);
        } catch (SluiceDaemon.StartupException e) {
            LOG.error("Sluice did not start: {}", e.getMessage());
            return SluiceCommand.EXIT_UNAVAILABLE;
        }
        SystemdNotify.send("READY=1\nSTATUS=ready\nMAINPID=" + ProcessHandle.current().pid());
        stop.await();
        LOG.info("Signal received: draining");
        SystemdNotify.send("STOPPING=1\nSTATUS=draining");
        boolean drained = daemon.shutdown(Duration.ofMillis(config.shutdown().drainTimeoutMs()));
        return drained ? 0 : 1;
    }
}
