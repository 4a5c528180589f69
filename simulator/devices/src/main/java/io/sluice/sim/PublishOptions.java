package io.sluice.sim;

import picocli.CommandLine.Option;

/**
 * How each connection publishes, for every command that drives MQTT connections. Defaults are the fields' initial
 * values (not the annotations' defaultValue), so a command can start from other defaults, as the demo does.
 */
final class PublishOptions {
    @Option(names = "--window", description = "PUBLISHes per connection awaiting PUBACK (default ${DEFAULT-VALUE})")
    int window = 16;

    @Option(names = "--payload-bytes", description = "payload size, padded (default ${DEFAULT-VALUE})")
    int payloadBytes = 128;

    @Option(names = "--mqtt-version", description = "3 (3.1.1) or 5 (default ${DEFAULT-VALUE})")
    int mqttVersion = 5;

    @Option(names = "--qos", description = "0 or 1 (default ${DEFAULT-VALUE})")
    int qos = 1;
}
