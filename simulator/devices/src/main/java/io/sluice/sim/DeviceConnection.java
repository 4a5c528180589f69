package io.sluice.sim;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientTransportConfig;
import com.hivemq.client.mqtt.MqttClientTransportConfigBuilder;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;

/**
 * One MQTT connection (HiveMQ async client), version 3.1.1 or 5, optionally from a given local address, optionally
 * over TLS.
 */
final class DeviceConnection implements Publisher {
    private final Mqtt3AsyncClient v3;
    private final Mqtt5AsyncClient v5;

    DeviceConnection(String id, LoadSpec spec) {
        this(id, spec, null);
    }

    /** {@code tls} null connects in plain TCP. */
    DeviceConnection(String id, LoadSpec spec, MqttClientSslConfig tls) {
        this(id, spec, spec.port(), tls);
    }

    /** As above, to {@code port} on the spec's host instead of the spec's port. */
    DeviceConnection(String id, LoadSpec spec, int port, MqttClientSslConfig tls) {
        this(id, spec.host(), port, spec.mqttVersion(), null, tls);
    }

    /** {@code localAddress} null lets the kernel choose the source address. */
    DeviceConnection(String id, String host, int port, int mqttVersion, InetAddress localAddress) {
        this(id, host, port, mqttVersion, localAddress, null);
    }

    private DeviceConnection(String id, String host, int port, int mqttVersion, InetAddress localAddress,
                             MqttClientSslConfig tls) {
        MqttClientTransportConfigBuilder transport = MqttClientTransportConfig.builder().serverHost(host).serverPort(port);
        if (localAddress != null) {
            transport.localAddress(localAddress);
        }
        if (tls != null) {
            transport.sslConfig(tls);
        }
        MqttClientTransportConfig config = transport.build();
        if (mqttVersion == 5) {
            v5 = MqttClient.builder().useMqttVersion5().identifier(id).transportConfig(config).buildAsync();
            v3 = null;
        } else {
            v3 = MqttClient.builder().useMqttVersion3().identifier(id).transportConfig(config).buildAsync();
            v5 = null;
        }
    }

    @Override
    public CompletableFuture<?> connect() {
        return v5 != null ? v5.connectWith().cleanStart(true).send() : v3.connectWith().cleanSession(true).send();
    }

    /** Completes when the PUBLISH is acknowledged (QoS1) or written (QoS0); exceptionally on an error PUBACK. */
    @Override
    public CompletableFuture<?> publish(String topic, byte[] payload, int qos) {
        MqttQos q = qos == 1 ? MqttQos.AT_LEAST_ONCE : MqttQos.AT_MOST_ONCE;
        return v5 != null
                ? v5.publishWith().topic(topic).qos(q).payload(payload).send()
                : v3.publishWith().topic(topic).qos(q).payload(payload).send();
    }

    @Override
    public CompletableFuture<?> disconnect() {
        return v5 != null ? v5.disconnect() : v3.disconnect();
    }
}
