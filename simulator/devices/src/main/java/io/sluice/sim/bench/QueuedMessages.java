package io.sluice.sim.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * For {@code bench-sessions --queued N}: publishes N QoS 1 messages to the command topics of the first offline
 * sessions (one subscription each, {@code cmd/<id>/#}), so each becomes one queued copy, and waits until the node's
 * delivery log has handed every one to the dispatcher ({@code sluice status}: delivery messages, lag 0).
 */
final class QueuedMessages {
    private static final Pattern DELIVERED = Pattern.compile("\"delivery\"\\s*:\\s*\\{[^}]*?\"messages\"\\s*:\\s*(\\d+)");

    private QueuedMessages() {
    }

    /** Publishes {@code messages} of {@code payloadBytes} each, spread over {@code sessions} sessions in turn. */
    static void publish(int mqttPort, int messages, int sessions, int payloadBytes) {
        Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier("bench-queued-publisher")
                .serverHost("127.0.0.1").serverPort(mqttPort).buildAsync();
        client.connect().join();
        List<CompletableFuture<?>> acks = new ArrayList<>(messages);
        byte[] payload = new byte[payloadBytes];
        for (int i = 0; i < messages; i++) {
            acks.add(client.publishWith().topic(String.format("cmd/sensor-%08d/set", i % sessions))
                    .qos(MqttQos.AT_LEAST_ONCE).payload(payload).send());
        }
        CompletableFuture.allOf(acks.toArray(new CompletableFuture[0])).orTimeout(10, TimeUnit.MINUTES).join();
        client.disconnect().join();
    }

    /** Waits until the node's delivery log has read {@code messages} messages of this node. */
    static void awaitDispatched(int adminPort, Path tokenFile, long messages) throws Exception {
        String token = Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest status = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/status"))
                .header("Authorization", "Bearer " + token).GET().build();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (true) {
            String body = http.send(status, HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = DELIVERED.matcher(body);
            if (m.find() && Long.parseLong(m.group(1)) >= messages) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the node did not read " + messages + " messages: " + body);
            }
            Thread.sleep(200); // polling a separate process's status
        }
    }
}
