package io.sluice.sim;

/**
 * What the simulated devices do.
 *
 * @param host                  MQTT server host
 * @param port                  MQTT server port
 * @param devices               concurrent device connections (one client id each)
 * @param messagesPerDevice     QoS1 messages each device publishes
 * @param windowPerDevice       messages a device keeps awaiting PUBACK at once
 * @param payloadBytes          approximate payload size (JSON padded up to it)
 * @param mqttVersion           3 (3.1.1) or 5
 * @param qos                   0 or 1
 * @param devicePrefix          client ids are prefix + zero-padded index
 * @param topicPrefix           topics are prefix/device-id/temperature
 */
public record LoadSpec(String host, int port, int devices, int messagesPerDevice, int windowPerDevice,
                       int payloadBytes, int mqttVersion, int qos, String devicePrefix, String topicPrefix)
        implements RunSpec {

    public LoadSpec {
        if (devices < 1 || messagesPerDevice < 0 || windowPerDevice < 1) {
            throw new IllegalArgumentException("devices >= 1, messages >= 0 and window >= 1 are required");
        }
        if (mqttVersion != 3 && mqttVersion != 5) {
            throw new IllegalArgumentException("mqttVersion must be 3 or 5: " + mqttVersion);
        }
        if (qos != 0 && qos != 1) {
            throw new IllegalArgumentException("qos must be 0 or 1: " + qos);
        }
    }

    public static LoadSpec of(String host, int port, int devices, int messagesPerDevice) {
        return new LoadSpec(host, port, devices, messagesPerDevice, 16, 128, 5, 1, "dev-", "sensors");
    }

    public LoadSpec withVersion(int version) {
        return new LoadSpec(host, port, devices, messagesPerDevice, windowPerDevice, payloadBytes, version, qos,
                devicePrefix, topicPrefix);
    }

    public LoadSpec withWindow(int window) {
        return new LoadSpec(host, port, devices, messagesPerDevice, window, payloadBytes, mqttVersion, qos,
                devicePrefix, topicPrefix);
    }

    public LoadSpec withPayloadBytes(int bytes) {
        return new LoadSpec(host, port, devices, messagesPerDevice, windowPerDevice, bytes, mqttVersion, qos,
                devicePrefix, topicPrefix);
    }

    public LoadSpec withDevicePrefix(String prefix) {
        return new LoadSpec(host, port, devices, messagesPerDevice, windowPerDevice, payloadBytes, mqttVersion, qos,
                prefix, topicPrefix);
    }

    public String deviceId(int index) {
        return devicePrefix + String.format("%06d", index);
    }

    @Override
    public String json() {
        return "{\"devices\": " + devices + ", \"messages_per_device\": " + messagesPerDevice + ", \"window\": "
                + windowPerDevice + ", \"payload_bytes\": " + payloadBytes + ", \"mqtt_version\": " + mqttVersion
                + ", \"qos\": " + qos + "}";
    }

    @Override
    public String sentence() {
        return devices + " devices x " + messagesPerDevice + " messages, window " + windowPerDevice + ", QoS " + qos
                + ", MQTT " + (mqttVersion == 5 ? "5" : "3.1.1") + ".";
    }
}
