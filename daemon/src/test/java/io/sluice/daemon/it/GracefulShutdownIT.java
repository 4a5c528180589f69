package io.sluice.daemon.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM drains: the daemon stops accepting connections and reading, waits for the Kafka acknowledgements of what it
 * already read (so those PUBACKs go out), flushes and exits 0. A PUBLISH still on its way when SIGTERM arrives may
 * never be read: it gets no PUBACK, and the test claims nothing about it. What it asserts is the contract: every
 * PUBLISH the daemon read was acknowledged, and every acknowledged reading is in Kafka.
 */
class GracefulShutdownIT {

    @Test
    void sigterm_acknowledgesEverythingInFlight_refusesNewClients_andExitsZero(@TempDir Path dir) throws Exception {
        TestKafka kafka = TestKafka.shared();
        String node = "drain-node";
        kafka.throttleProducer("sluice-" + node, 200_000); // slow Kafka so messages are in flight at SIGTERM
        int port = DaemonProcess.freePort();
        String yaml = kafka.daemonYaml("drain", port).replace("node_id: it-node", "node_id: " + node);
        try (DaemonProcess daemon = new DaemonProcess(dir, yaml, port, List.of("-Xmx256m")).start()) {
            CompletableFuture<Throwable> disconnected = new CompletableFuture<>();
            Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier("drain-client")
                    .serverHost("127.0.0.1").serverPort(port)
                    .addDisconnectedListener(c -> disconnected.complete(c.getCause())).buildAsync();
            client.connect().join();
            // Kafka quotas throttle after a violation: a first burst spends the quota, so what follows waits.
            List<CompletableFuture<Mqtt5PublishResult>> pubacks = new ArrayList<>();
            for (int seq = 0; seq < 16; seq++) {
                pubacks.add(publish(client, seq));
            }
            CompletableFuture.allOf(pubacks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            Set<Integer> firstBurst = new HashSet<>();
            for (int seq = 0; seq < 16; seq++) {
                firstBurst.add(seq);
            }
            for (int seq = 16; seq < 24; seq++) {
                pubacks.add(publish(client, seq));
            }
            long outstanding = pubacks.stream().filter(f -> !f.isDone()).count();
            assertTrue(outstanding > 0, "the test needs messages in flight at SIGTERM");

            daemon.process().destroy(); // SIGTERM
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThrows(Exception.class, () ->
                    MqttClient.builder().useMqttVersion5().identifier("late").serverHost("127.0.0.1").serverPort(port)
                            .buildBlocking().connect()));

            assertTrue(daemon.process().waitFor(60, TimeUnit.SECONDS), daemon.log());
            assertEquals(0, daemon.process().exitValue(), daemon.log());
            assertTrue(daemon.log().contains("stopped (drained)"), daemon.log());
            Throwable cause = disconnected.get(10, TimeUnit.SECONDS);
            assertTrue(cause instanceof com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException,
                    "the server said why it closed the connection: " + cause);
            assertEquals(com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode.SERVER_SHUTTING_DOWN,
                    ((com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException) cause).getMqttMessage()
                            .getReasonCode(), "DISCONNECT 0x8B, so the client reconnects at once");
            Matcher totals = Pattern.compile("Totals: (\\d+) QoS1 and \\d+ QoS0 PUBLISHes, (\\d+) PUBACKs")
                    .matcher(daemon.log());
            assertTrue(totals.find(), daemon.log());
            assertEquals(totals.group(1), totals.group(2), "every QoS 1 PUBLISH the daemon read was acknowledged");

            // the connection is gone: each PUBLISH ends acknowledged or failed at the client, none stays pending
            await().atMost(Duration.ofSeconds(60)).until(() -> pubacks.stream().allMatch(CompletableFuture::isDone));
            Set<Integer> acknowledged = new HashSet<>();
            for (int seq = 0; seq < pubacks.size(); seq++) {
                CompletableFuture<Mqtt5PublishResult> f = pubacks.get(seq);
                if (!f.isCompletedExceptionally() && f.join().getError().isEmpty()) {
                    acknowledged.add(seq);
                }
            }
            assertTrue(acknowledged.containsAll(firstBurst), "acknowledged before SIGTERM: " + acknowledged);
            assertEquals(Long.parseLong(totals.group(2)), acknowledged.size(),
                    "every PUBACK the daemon sent before closing reached the client");

            Set<Integer> seqs = new HashSet<>();
            for (ConsumerRecord<String, byte[]> r : kafka.readAll(kafka.readingsTopicOf(yaml))) {
                seqs.add(ByteBuffer.wrap(r.value()).getInt());
            }
            assertTrue(seqs.containsAll(acknowledged), "acknowledged " + acknowledged + ", in Kafka " + seqs);
        } finally {
            kafka.throttleProducer("sluice-" + node, 0);
        }
    }

    private static CompletableFuture<Mqtt5PublishResult> publish(Mqtt5AsyncClient client, int seq) {
        byte[] payload = new byte[32 * 1024];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(payload); // incompressible
        ByteBuffer.wrap(payload).putInt(seq);
        return client.publishWith().topic("drain/x").qos(MqttQos.AT_LEAST_ONCE).payload(payload).send();
    }
}
