package io.sluice.daemon.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.config.ConfigLoader;
import io.sluice.daemon.config.SluiceConfig;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The promise under a broker outage: while Kafka is down no QoS1 PUBLISH is acknowledged; once it is back the
 * message is acknowledged and in Kafka. Uses its own broker, since it stops it.
 */
class KafkaOutageIT {
    private static TestKafka kafka;

    @BeforeAll
    static void ownBroker() {
        kafka = TestKafka.ownSingleBroker();
    }

    @AfterAll
    static void closeBroker() {
        kafka.close();
    }

    @Test
    void noPuback_andNotReady_whileBrokerDown_thenPubackRecordAndReady_afterItReturns() throws Exception {
        try (SluiceDaemon daemon = SluiceDaemon.start(kafka.daemonConfig("outage-wait"))) {
            Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier("outage-v5")
                    .serverHost("127.0.0.1").serverPort(daemon.mqttPort()).buildAsync();
            client.connect().join();
            client.publishWith().topic("t/warmup").qos(MqttQos.AT_LEAST_ONCE).payload(Clients.utf8("warmup")).send().join();

            kafka.stopBroker();
            CompletableFuture<?> puback = client.publishWith().topic("t/outage").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(Clients.utf8("during-outage")).send();
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7)).until(() -> !puback.isDone());
            await().atMost(Duration.ofSeconds(30)).until(() -> ready(daemon) == 503);

            kafka.startBroker();
            puback.get(90, java.util.concurrent.TimeUnit.SECONDS);
            assertFalse(puback.isCompletedExceptionally());
            String topic = daemon.config().kafka().readingsTopic();
            assertTrue(Clients.withPayload(kafka.readAll(topic), "during-outage").isPresent());
            await().atMost(Duration.ofSeconds(30)).until(() -> ready(daemon) == 200);
            client.disconnect().join();
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 150, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void shutdown_whileBrokerDown_endsWithinItsBounds_andSaysItDidNotDrain() throws Exception {
        SluiceDaemon daemon = SluiceDaemon.start(kafka.daemonConfig("outage-stop"));
        Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier("outage-stop")
                .serverHost("127.0.0.1").serverPort(daemon.mqttPort()).buildAsync();
        client.connect().join();
        client.publishWith().topic("t/warmup").qos(MqttQos.AT_LEAST_ONCE).payload(Clients.utf8("warmup")).send().join();
        kafka.stopBroker();
        try {
            CompletableFuture<?> puback = client.publishWith().topic("t/stop").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(Clients.utf8("in flight at shutdown")).send();
            await().atMost(Duration.ofSeconds(10)).until(() -> daemon.mqtt().outstanding() > 0);
            long t0 = System.nanoTime();
            boolean drained = daemon.shutdown(Duration.ofSeconds(2));
            long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
            assertFalse(drained, "a message was still waiting for Kafka");
            assertTrue(seconds < 60, "shutdown took " + seconds + " s with Kafka down");
            assertFalse(puback.isDone() && !puback.isCompletedExceptionally(), "no successful PUBACK for it");
        } finally {
            kafka.startBroker();
        }
    }

    /** The status code of GET /ready on the daemon's admin endpoint. */
    private static int ready(SluiceDaemon daemon) throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var req = java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + daemon.adminPort() + "/ready")).build();
        return http.send(req, java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Settings of a daemon on its own topics whose Kafka sends time out within seconds while the broker is down. */
    private Map<String, String> failFast(String name, String nodeId) {
        SluiceConfig base = kafka.daemonConfig(name);
        Map<String, String> settings = new java.util.HashMap<>(TestKafka.adminSettings());
        settings.putAll(Map.of(
                "node_id", nodeId,
                "mqtt.host", "127.0.0.1",
                "mqtt.port", "0",
                "kafka.bootstrap_servers", base.kafka().bootstrapServers(),
                "kafka.readings_topic", base.kafka().readingsTopic(),
                "kafka.sessions_topic", base.kafka().sessionsTopic(),
                "kafka.topic_replication_factor", "1",
                "kafka.topic_min_insync_replicas", "1",
                "kafka.delivery_timeout_ms", "3000",
                "kafka.request_timeout_ms", "1500"));
        return settings;
    }

    @Test
    void mqtt311_connectionClosedWhenKafkaFails_retransmissionIsAcknowledged_afterBrokerReturns() throws Exception {
        // fail fast while the broker is down, so Sluice must report the failure to the client
        SluiceConfig config = ConfigLoader.fromMap(failFast("outage-v3", "outage-node"));
        try (SluiceDaemon daemon = SluiceDaemon.start(config)) {
            AtomicInteger disconnects = new AtomicInteger();
            Mqtt3AsyncClient client = MqttClient.builder().useMqttVersion3().identifier("outage-v3")
                    .serverHost("127.0.0.1").serverPort(daemon.mqttPort())
                    .automaticReconnect().initialDelay(200, java.util.concurrent.TimeUnit.MILLISECONDS)
                    .maxDelay(1, java.util.concurrent.TimeUnit.SECONDS).applyAutomaticReconnect()
                    .addDisconnectedListener(ctx -> disconnects.incrementAndGet())
                    .buildAsync();
            client.connectWith().cleanSession(false).send().join();
            client.publishWith().topic("t/warmup").qos(MqttQos.AT_LEAST_ONCE).payload(Clients.utf8("warmup")).send().join();

            kafka.stopBroker();
            CompletableFuture<?> puback = client.publishWith().topic("t/outage").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(Clients.utf8("v3-during-outage")).send();
            // Sluice closes the connection once Kafka fails the record; the client reconnects and retransmits.
            await().atMost(Duration.ofSeconds(30)).until(() -> disconnects.get() >= 1);
            assertFalse(puback.isDone(), "no PUBACK while Kafka is down");

            kafka.startBroker();
            puback.get(120, java.util.concurrent.TimeUnit.SECONDS);
            String topic = daemon.config().kafka().readingsTopic();
            assertTrue(Clients.withPayload(kafka.readAll(topic), "v3-during-outage").isPresent());
            client.disconnect().join();
        }
    }
    @Test
    void mqtt5_persistentSession_readingsTimingOutInKafka_getNoErrorPuback_areRetransmittedAfterReconnect_andAllInKafka()
            throws Exception {
        // the readings time out in Kafka while the broker is down
        Map<String, String> settings = failFast("outage-v5", "outage-node-5");
        settings.put("kafka.max_block_ms", "3000"); // a send waiting for metadata of a gone broker fails as soon
        SluiceConfig config = ConfigLoader.fromMap(settings);
        try (SluiceDaemon daemon = SluiceDaemon.start(config)) {
            java.util.Queue<Object> disconnectReasons = new java.util.concurrent.ConcurrentLinkedQueue<>();
            Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier("outage-v5")
                    .serverHost("127.0.0.1").serverPort(daemon.mqttPort())
                    .automaticReconnect().initialDelay(200, java.util.concurrent.TimeUnit.MILLISECONDS)
                    .maxDelay(1, java.util.concurrent.TimeUnit.SECONDS).applyAutomaticReconnect()
                    .addDisconnectedListener(ctx -> disconnectReasons.add(
                            ctx.getCause() instanceof com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException d
                                    ? d.getMqttMessage().getReasonCode() : ctx.getCause().toString()))
                    .buildAsync();
            client.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().join();
            client.publishWith().topic("t/warmup").qos(MqttQos.AT_LEAST_ONCE).payload(Clients.utf8("warmup")).send().join();

            kafka.stopBroker();
            java.util.List<String> payloads = new java.util.ArrayList<>();
            java.util.List<CompletableFuture<com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult>> acks =
                    new java.util.ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String payload = "v5-during-outage-" + i;
                payloads.add(payload);
                acks.add(client.publishWith().topic("t/outage/" + i).qos(MqttQos.AT_LEAST_ONCE)
                        .payload(Clients.utf8(payload)).send());
            }
            // Kafka times the readings out; Sluice must not answer with an error PUBACK (MQTT 5 clients drop those)
            // but disconnect, saying the server is busy.
            await().atMost(Duration.ofSeconds(30)).until(() -> disconnectReasons.contains(
                    com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode.SERVER_BUSY));
            assertTrue(acks.stream().noneMatch(CompletableFuture::isDone),
                    "no PUBACK of any kind while Kafka is down; disconnects: " + disconnectReasons);
            assertTrue(daemon.mqttStats().pubackErrorsSent.sum() == 0, "no error PUBACK sent");

            kafka.startBroker();
            for (var ack : acks) {
                var result = ack.get(120, java.util.concurrent.TimeUnit.SECONDS);
                assertTrue(result.getError().isEmpty(), "acknowledged without error after Kafka returned: " + result);
            }
            String topic = daemon.config().kafka().readingsTopic();
            var records = kafka.readAll(topic);
            for (String payload : payloads) {
                assertTrue(Clients.withPayload(records, payload).isPresent(), payload + " is in Kafka");
            }
            client.disconnect().join();
        }
    }
}
