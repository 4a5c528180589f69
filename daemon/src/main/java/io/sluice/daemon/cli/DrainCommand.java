package io.sluice.daemon.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "drain", description = "Stop accepting MQTT connections and reading from open ones and from the UDP"
        + " listeners (MQTT-SN, line protocol), wait for in-flight messages to be acknowledged, and report. The daemon"
        + " keeps running until it is stopped.")
final class DrainCommand implements Callable<Integer> {
    @Mixin
    AdminCall admin = new AdminCall();

    @Override
    public Integer call() {
        return admin.call("POST", "/drain");
    }
}
