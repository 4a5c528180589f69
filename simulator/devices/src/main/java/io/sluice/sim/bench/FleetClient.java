package io.sluice.sim.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One MQTT 5 connection of a persistent session for {@code bench-fleet} (HiveMQ async client, no automatic
 * reconnect): session expiry one hour, keep alive 600 s, and a future that completes with how its connection ended.
 * A reconnect is a new {@code FleetClient} with the same client id. Thread-safe (the HiveMQ client's threads complete
 * its futures).
 */
final class FleetClient {
    static final long SESSION_EXPIRY_SECONDS = 3600;

    final String id;
    final Mqtt5AsyncClient client;
    /** Completes with the cause the client reports when its connection ends (or a connect attempt fails). */
    final CompletableFuture<Throwable> ended = new CompletableFuture<>();

    FleetClient(String id, int port) {
        this.id = id;
        this.client = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1").serverPort(port)
                .transportConfig().socketConnectTimeout(30, TimeUnit.SECONDS).applyTransportConfig()
                .addDisconnectedListener(ctx -> ended.complete(ctx.getCause()))
                .buildAsync();
    }

    /** CONNECT with clean start as given, keeping the session an hour after the connection ends. */
    CompletableFuture<Mqtt5ConnAck> connect(boolean cleanStart) {
        return client.connectWith().cleanStart(cleanStart).sessionExpiryInterval(SESSION_EXPIRY_SECONDS).keepAlive(600)
                .send();
    }

    /** SUBSCRIBE to {@link #commandFilter} at QoS 1. */
    CompletableFuture<?> subscribe() {
        return client.subscribeWith().topicFilter(commandFilter(id)).qos(MqttQos.AT_LEAST_ONCE).send();
    }

    static String commandFilter(String id) {
        return "cmd/" + id + "/#";
    }

    /** Whether the server ended this connection with DISCONNECT 0x8E (session taken over). */
    static boolean takenOver(Throwable cause) {
        return cause instanceof Mqtt5DisconnectException d
                && d.getMqttMessage().getReasonCode() == Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER;
    }
}
