package io.sluice.daemon.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "status", description = "Show connections, sessions, in-flight messages, Kafka health and drops by reason.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    AdminCall admin = new AdminCall();

    @Override
    public Integer call() {
        return admin.call("GET", "/status");
    }
}
