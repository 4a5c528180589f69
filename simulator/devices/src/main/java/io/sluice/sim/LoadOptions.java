package io.sluice.sim;

import picocli.CommandLine.Option;

/** Load options shared by the commands that drive devices. */
final class LoadOptions {
    @Option(names = "--devices", defaultValue = "100", description = "concurrent device connections (default ${DEFAULT-VALUE})")
    int devices;

    @Option(names = "--messages", defaultValue = "200", description = "QoS1 messages per device (default ${DEFAULT-VALUE})")
    int messages;

    @Option(names = "--window", defaultValue = "16", description = "PUBLISHes a device keeps awaiting PUBACK (default ${DEFAULT-VALUE})")
    int window;

    @Option(names = "--payload-bytes", defaultValue = "128", description = "payload size, JSON padded (default ${DEFAULT-VALUE})")
    int payloadBytes;

    @Option(names = "--mqtt-version", defaultValue = "5", description = "3 (3.1.1) or 5 (default ${DEFAULT-VALUE})")
    int mqttVersion;

    @Option(names = "--qos", defaultValue = "1", description = "0 or 1 (default ${DEFAULT-VALUE})")
    int qos;

    @Option(names = "--device-prefix", defaultValue = "dev-", description = "client id prefix (default ${DEFAULT-VALUE})")
    String devicePrefix;

    LoadSpec spec(String host, int port) {
        return new LoadSpec(host, port, devices, messages, window, payloadBytes, mqttVersion, qos, devicePrefix, "sensors");
    }
}
