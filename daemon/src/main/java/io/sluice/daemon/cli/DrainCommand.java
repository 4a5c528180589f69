package io.sluice.daemon.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "drain", description = "Stop accepting MQTT connections and reading from open ones and from the UDP"
        + " listeners (MQTT-SN, line protocol), wait for in-flight messages to be acknowledged (up to"
        + " shutdown.drain_timeout_ms), then end every MQTT connection, at most shutdown.drain_disconnect_rate_per_s a"
        + " second (MQTT 5 clients get DISCONNECT 0x9C naming one of mqtt.server_references, or 0x8B), and report how"
        + " many were ended and whether the drain is complete (sluice status shows how far a longer one got). The"
        + " daemon keeps running, handing sessions over to the nodes its clients reconnect to, until it is stopped.")
final class DrainCommand implements Callable<Integer> {
    @Mixin
    AdminCall admin = new AdminCall();

    @Override
    public Integer call() {
        return admin.call("POST", "/drain");
    }
}
