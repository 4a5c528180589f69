package io.sluice.daemon.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "version", description = "Print the Sluice version and the Java runtime it runs on.")
final class VersionCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.println(new VersionProvider().getVersion()[0]);
        return 0;
    }
}
