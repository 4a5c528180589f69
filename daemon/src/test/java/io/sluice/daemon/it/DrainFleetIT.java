package io.sluice.daemon.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5Disconnect;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.sluice.daemon.SluiceDaemon;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Draining one node of two on one Kafka, node 1 configured with node 2's address as its server reference:
 * {@code POST /drain} (what {@code sluice drain} calls) on node 1 ends its connections after the in-flight messages,
 * paced; an MQTT 5 client gets DISCONNECT 0x9C naming node 2, reconnects there with its session present and gets
 * every QoS 1 message published while it moved (node 1 still runs, so it hands the session's queue over); an MQTT
 * 3.1.1 client is closed; mosquitto_sub (MQTT 5) is told too.
 */
class DrainFleetIT {
    private static final Duration AWAIT = Duration.ofSeconds(30);
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> admin(SluiceDaemon d, String method, String path) throws Exception {
        String token = Files.readString(Path.of(d.config().admin().tokenFile())).trim();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.adminPort() + path))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(60));
        b = method.equals("POST") ? b.POST(HttpRequest.BodyPublishers.noBody()) : b.GET();
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static io.sluice.daemon.config.SluiceConfig node(Map<String, String> shared, String id,
                                                              Map<String, String> own) {
        Map<String, String> extra = new HashMap<>(shared);
        extra.put("node_id", id);
        extra.putAll(own);
        return TestKafka.shared().daemonConfig("drain-fleet", extra);
    }

    @Test
    void drainingNode1_sendsMqtt5ClientsToNode2_whereTheirSessionAndTheMessagesPublishedMeanwhileWait()
            throws Exception {
        String suffix = "drain-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> shared = TestKafka.fleetTopics(suffix);
        try (SluiceDaemon n2 = SluiceDaemon.start(node(shared, "n2", Map.of()));
             SluiceDaemon n1 = SluiceDaemon.start(node(shared, "n1", Map.of(
                     "mqtt.server_references", "127.0.0.1:" + n2.mqttPort(),
                     "shutdown.drain_disconnect_rate_per_s", "5")))) {
            String reference = "127.0.0.1:" + n2.mqttPort();
            String id = "drain-sub5";
            AtomicReference<Throwable> cause = new AtomicReference<>();
            Mqtt5BlockingClient sub = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1")
                    .serverPort(n1.mqttPort()).addDisconnectedListener(c -> cause.compareAndSet(null, c.getCause()))
                    .buildBlocking();
            assertFalse(sub.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().isSessionPresent());
            sub.subscribeWith().topicFilter("drain/sub/#").qos(MqttQos.AT_LEAST_ONCE).send();

            AtomicReference<Throwable> cause3 = new AtomicReference<>();
            Mqtt3BlockingClient v3 = MqttClient.builder().useMqttVersion3().identifier("drain-v3")
                    .serverHost("127.0.0.1").serverPort(n1.mqttPort())
                    .addDisconnectedListener(c -> cause3.compareAndSet(null, c.getCause())).buildBlocking();
            v3.connectWith().cleanSession(false).send();

            try (MosquittoSub mosquitto = new MosquittoSub(n1.mqttPort(), "-V", "mqttv5", "-i", "drain-mosq",
                    "-q", "1", "-t", "drain/mosq/#")) {
                // node 2 knows the subscriber's session and its subscription before it moves
                await().atMost(AWAIT).until(() -> admin(n2, "GET", "/sessions/" + id).body(),
                        b -> b.contains("drain/sub/#") && b.contains("\"n1\""));
                await().atMost(AWAIT).until(() -> n1.mqttStats().openConnections() == 3);

                CompletableFuture<HttpResponse<String>> drain = CompletableFuture.supplyAsync(() -> {
                    try {
                        return admin(n1, "POST", "/drain?format=text");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });

                await().atMost(AWAIT).until(() -> cause.get() != null);
                assertTrue(cause.get() instanceof Mqtt5DisconnectException, String.valueOf(cause.get()));
                Mqtt5Disconnect told = ((Mqtt5DisconnectException) cause.get()).getMqttMessage();
                assertEquals(Mqtt5DisconnectReasonCode.USE_ANOTHER_SERVER, told.getReasonCode());
                assertEquals(reference, told.getServerReference().map(Object::toString).orElse(null));

                // published on node 2 while the subscriber moves: node 1 queues them for the session it still owns
                Mqtt5BlockingClient pub = Clients.v5("drain-pub", n2.mqttPort());
                pub.connect();
                List<String> published = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    String m = "m-" + i;
                    published.add(m);
                    pub.publishWith().topic("drain/sub/x").qos(MqttQos.AT_LEAST_ONCE)
                            .payload(m.getBytes(StandardCharsets.UTF_8)).send();
                }

                HttpResponse<String> report = drain.get(60, TimeUnit.SECONDS);
                assertEquals(200, report.statusCode(), report.body());
                System.out.println("POST /drain?format=text answered:\n" + report.body());
                String text = report.body();
                assertTrue(text.startsWith("Drain complete: every in-flight message acknowledged; ended 3 of 3"
                        + " connection(s) (MQTT 5 clients told DISCONNECT 0x9C (use another server) with one of "
                        + reference), text);
                assertTrue(text.matches("(?s).*\\ndrained +true\\n.*"), text);
                assertTrue(text.matches("(?s).*\\nconnections_to_end +3\\n.*"), text);
                assertTrue(text.matches("(?s).*\\nconnections_ended +3\\n.*"), text);
                assertTrue(text.matches("(?s).*\\ncomplete +true\\n.*"), text);
                String status = admin(n1, "GET", "/status").body();
                assertTrue(status.contains("\"drain\":{\"drained\":true,\"connections_to_end\":3,\"connections_ended\":3,"
                        + "\"complete\":true}"), status);
                assertEquals(SluiceDaemon.State.DRAINING, n1.state(), "node 1 keeps running until stopped");

                // the MQTT 3.1.1 client and mosquitto_sub were ended too
                await().atMost(AWAIT).until(() -> cause3.get() != null);
                assertFalse(v3.getState().isConnected());
                await().atMost(AWAIT).until(() -> mosquitto.all().stream()
                        .anyMatch(l -> l.contains("DISCONNECT") && l.contains("156")));
                assertThrows(Exception.class, () -> Clients.v5("drain-late", n1.mqttPort()).connect());

                // the client follows the reference: node 2, session present, every message once and in order
                String[] hostPort = told.getServerReference().get().toString().split(":");
                Mqtt5BlockingClient back = Clients.v5(id, Integer.parseInt(hostPort[1]));
                var publishes = back.publishes(MqttGlobalPublishFilter.ALL);
                assertTrue(back.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().isSessionPresent(),
                        "the session made on node 1 is present on node 2");
                for (int i = 20; i < 25; i++) {
                    String m = "m-" + i;
                    published.add(m);
                    pub.publishWith().topic("drain/sub/x").qos(MqttQos.AT_LEAST_ONCE)
                            .payload(m.getBytes(StandardCharsets.UTF_8)).send();
                }
                List<String> got = new ArrayList<>();
                for (int i = 0; i < 100 && got.size() < published.size(); i++) {
                    publishes.receive(30, TimeUnit.SECONDS)
                            .ifPresent(m -> got.add(new String(m.getPayloadAsBytes(), StandardCharsets.UTF_8)));
                }
                publishes.receive(500, TimeUnit.MILLISECONDS)
                        .ifPresent(m -> got.add(new String(m.getPayloadAsBytes(), StandardCharsets.UTF_8)));
                assertEquals(published, got, "every message published while it moved, once, in order");
                back.disconnect();
                pub.disconnect();
            }
        }
    }
}
