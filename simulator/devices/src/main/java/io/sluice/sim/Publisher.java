package io.sluice.sim;

import java.util.concurrent.CompletableFuture;

/**
 * One simulated connection that publishes readings: an MQTT connection ({@link DeviceConnection}), an MQTT-SN
 * client ({@link MqttSnClient}) or a plain line-protocol datagram socket ({@link LineDatagramSender}). Methods do
 * not block; futures complete on the transport's own threads.
 */
interface Publisher {
    CompletableFuture<?> connect();

    /**
     * Completes when the message is acknowledged (QoS 1) or handed to the network (QoS 0, datagrams); exceptionally
     * on a negative acknowledgement, a lost connection or a timeout.
     */
    CompletableFuture<?> publish(String topic, byte[] payload, int qos);

    CompletableFuture<?> disconnect();
}
