package io.sluice.sim;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Load options shared by the commands that drive one connection per device. Defaults are the fields' initial
 * values (not the annotations' defaultValue), so a command can start from other defaults, as the demo does.
 */
final class LoadOptions {
    @Option(names = "--devices", description = "concurrent device connections (default ${DEFAULT-VALUE})")
    int devices = 100;

    @Option(names = "--messages", description = "messages per device (default ${DEFAULT-VALUE})")
    int messages = 200;

    @Mixin
    PublishOptions publish = new PublishOptions();

    @Option(names = "--device-prefix", description = "client id prefix (default ${DEFAULT-VALUE})")
    String devicePrefix = "dev-";

    @Option(names = "--rate", description = "open loop: PUBLISHes per second in total, scheduled whatever the"
            + " acknowledgements do (latency counted from when each was due); 0 = closed loop (default ${DEFAULT-VALUE})")
    double rate = 0;

    /** The demo's defaults: 200 devices x 100 QoS 1 messages, window 8, MQTT 5. */
    static LoadOptions demoDefaults() {
        LoadOptions o = new LoadOptions();
        o.devices = 200;
        o.messages = 100;
        o.publish.window = 8;
        return o;
    }

    LoadSpec spec(String host, int port) {
        return new LoadSpec(host, port, devices, messages, publish.window, publish.payloadBytes, publish.mqttVersion,
                publish.qos, devicePrefix, "sensors");
    }
}
