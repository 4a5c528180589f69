package io.sluice.daemon.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sluice} command: runs the daemon and inspects or manages it. */
@Command(name = "sluice",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "MQTT ingest that acknowledges a reading only once a replicated Kafka log holds it.",
        subcommands = {
                RunCommand.class,
                FanoutCommand.class,
                ConfigCommand.class,
                TopicsCommand.class,
                StatusCommand.class,
                SessionsCommand.class,
                DrainCommand.class,
                PasswdCommand.class,
                picocli.AutoComplete.GenerateCompletion.class,
                VersionCommand.class,
                CommandLine.HelpCommand.class
        })
public final class SluiceCommand implements Runnable {
    /** Exit code for a config that failed validation (sysexits EX_CONFIG). */
    public static final int EXIT_CONFIG = 78;
    /** Exit code when a service Sluice needs (Kafka) is unavailable (sysexits EX_UNAVAILABLE). */
    public static final int EXIT_UNAVAILABLE = 69;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        return new CommandLine(new SluiceCommand());
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
