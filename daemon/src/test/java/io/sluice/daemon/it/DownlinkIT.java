package io.sluice.daemon.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.config.SluiceConfig;
import io.sluice.sinks.downlink.DownlinkStats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka downlink end to end: the real daemon on real Kafka, a plain Kafka producer writing downlink records as a
 * backend would, real MQTT clients receiving them. Offsets are read back from the consumer group with an admin client.
 */
class DownlinkIT {
    private static final Duration AWAIT = Duration.ofSeconds(60);
    private final TestKafka kafka = TestKafka.shared();

    /** The committed offset of partition 0 of {@code topic} in {@code group}; -1 when none. */
    private long committed(String group, String topic) throws Exception {
        return Backend.committed(kafka.admin(), group, topic, 0);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void aDownlinkRecord_reachesAConnectedSubscriber_withTheTopicQosRetainAndMqtt5PropertiesItsHeadersSay()
            throws Exception {
        SluiceConfig config = kafka.daemonConfig("downlink-props");
        String topic = config.downlink().topic();
        try (SluiceDaemon daemon = SluiceDaemon.start(config);
             KafkaProducer<String, byte[]> producer = Backend.producer(kafka.bootstrap())) {
            Mqtt5BlockingClient sub = Clients.v5("device-42", daemon.mqttPort());
            sub.connect();
            var publishes = sub.publishes(MqttGlobalPublishFilter.ALL);
            // no-local compares the publisher's client id: a downlink message has none, so it still arrives
            sub.subscribeWith().topicFilter("cmd/dev-42/#").qos(MqttQos.EXACTLY_ONCE).noLocal(true).send();

            Backend.write(producer, topic, "dev-42", "{\"valve\":\"open\"}", "sluice.topic", "cmd/dev-42/set",
                    "sluice.qos", "2",
                    "sluice.content_type", "application/json", "mqtt.user.origin", "planner",
                    "mqtt.expiry_s", "3600", "mqtt.payload_format", "1", "mqtt.response_topic", "replies/dev-42",
                    "mqtt.correlation_data", "req-7");

            Mqtt5Publish p = publishes.receive(AWAIT.toMillis(), TimeUnit.MILLISECONDS).orElseThrow();
            assertEquals("cmd/dev-42/set", p.getTopic().toString());
            assertEquals("{\"valve\":\"open\"}", text(p.getPayloadAsBytes()));
            assertEquals(MqttQos.EXACTLY_ONCE, p.getQos());
            assertFalse(p.isRetain());
            assertEquals(Optional.of("application/json"), p.getContentType().map(Object::toString));
            assertEquals(List.of("origin=planner"), p.getUserProperties().asList().stream()
                    .map(u -> u.getName() + "=" + u.getValue()).toList());
            long expiry = p.getMessageExpiryInterval().orElseThrow();
            assertTrue(expiry > 3500 && expiry <= 3600, "expiry " + expiry);
            assertEquals(Optional.of(Mqtt5PayloadFormatIndicator.UTF_8), p.getPayloadFormatIndicator());
            assertEquals(Optional.of("replies/dev-42"), p.getResponseTopic().map(Object::toString));
            assertArrayEquals("req-7".getBytes(StandardCharsets.UTF_8),
                    p.getCorrelationData().map(b -> { byte[] a = new byte[b.remaining()]; b.get(a); return a; })
                            .orElseThrow());

            // without sluice.qos: QoS 1; with sluice.retain 1: retained, served to a later subscriber
            Backend.write(producer, topic, "dev-42", "on", "sluice.topic", "cmd/dev-42/light", "sluice.retain", "1");
            Mqtt5Publish light = publishes.receive(AWAIT.toMillis(), TimeUnit.MILLISECONDS).orElseThrow();
            assertEquals("cmd/dev-42/light on", light.getTopic() + " " + text(light.getPayloadAsBytes()));
            assertEquals(MqttQos.AT_LEAST_ONCE, light.getQos());
            // the retained messages are held as read back from the retained topic, a moment after the delivery
            await().atMost(AWAIT).until(() -> daemon.deliveryLog().stats().retained() == 1);
            Mqtt5BlockingClient late = Clients.v5("late-device", daemon.mqttPort());
            late.connect();
            var latePublishes = late.publishes(MqttGlobalPublishFilter.ALL);
            late.subscribeWith().topicFilter("cmd/+/light").qos(MqttQos.AT_LEAST_ONCE).send();
            Mqtt5Publish retained = latePublishes.receive(AWAIT.toMillis(), TimeUnit.MILLISECONDS).orElseThrow();
            assertEquals("cmd/dev-42/light on", retained.getTopic() + " " + text(retained.getPayloadAsBytes()));
            assertTrue(retained.isRetain());
            late.disconnect();
            sub.disconnect();

            // a downlink message is no reading: nothing went to the readings topic
            assertEquals(List.of(), kafka.readAll(config.kafka().readingsTopic()));
            await().atMost(AWAIT).until(() -> committed(config.downlink().group(), topic) == 2);
            DownlinkStats s = daemon.downlink().stats();
            assertEquals(2, s.read());
            assertEquals(2, s.published());
            assertEquals(0, s.pending());
        }
    }

    @Test
    void anUndecodableRecordBetweenTwoGoodOnes_isCountedAndSkipped_theGoodOnesDelivered_andTheOffsetCommittedPastIt()
            throws Exception {
        SluiceConfig config = kafka.daemonConfig("downlink-undecodable");
        String topic = config.downlink().topic();
        try (SluiceDaemon daemon = SluiceDaemon.start(config);
             KafkaProducer<String, byte[]> producer = Backend.producer(kafka.bootstrap())) {
            Mqtt3BlockingClient sub = Clients.v3("device-7", daemon.mqttPort());
            sub.connect();
            var publishes = sub.publishes(MqttGlobalPublishFilter.ALL);
            sub.subscribeWith().topicFilter("cmd/#").qos(MqttQos.AT_LEAST_ONCE).send();

            Backend.write(producer, topic, "dev-42", "first", "sluice.topic", "cmd/dev-7/a");
            Backend.write(producer, topic, "dev-42", "bad", "sluice.topic", "cmd/+/a"); // a wildcard is no topic name
            Backend.write(producer, topic, "dev-42", "second", "sluice.topic", "cmd/dev-7/b");

            List<String> got = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Mqtt3Publish p = publishes.receive(AWAIT.toMillis(), TimeUnit.MILLISECONDS).orElseThrow();
                got.add(p.getTopic() + " " + text(p.getPayloadAsBytes()));
            }
            assertEquals(List.of("cmd/dev-7/a first", "cmd/dev-7/b second"), got, "the good ones, in offset order");
            await().atMost(AWAIT).until(() -> committed(config.downlink().group(), topic) == 3);
            assertEquals(1, daemon.downlink().stats().undecodable());
            assertEquals(2, daemon.downlink().stats().published());
            assertTrue(publishes.receive(200, TimeUnit.MILLISECONDS).isEmpty(), "nothing for the bad record");
            sub.disconnect();

            String status = Backend.admin(daemon, "/status");
            Matcher m = Pattern.compile("\"downlink\"\\s*:\\s*\\{[^}]*\"undecodable\"\\s*:\\s*1\\b").matcher(status);
            assertTrue(m.find(), status);
            assertTrue(Backend.admin(daemon, "/metrics").contains("sluice_downlink_undecodable_total 1.0"));
        }
    }

    @Test
    void aBurstOfRecordsForOneDevice_arrivesInOffsetOrder_withAtMostMaxPendingRecordsUnfinished() throws Exception {
        int n = 5_000;
        int bound = 64;
        SluiceConfig config = kafka.daemonConfig("downlink-burst", Map.of("downlink.max_pending_records",
                Integer.toString(bound)));
        String topic = config.downlink().topic();
        try (SluiceDaemon daemon = SluiceDaemon.start(config);
             KafkaProducer<String, byte[]> producer = Backend.producer(kafka.bootstrap())) {
            Mqtt5BlockingClient sub = Clients.v5("device-burst", daemon.mqttPort());
            sub.connect();
            var publishes = sub.publishes(MqttGlobalPublishFilter.ALL);
            sub.subscribeWith().topicFilter("cmd/device-burst/#").qos(MqttQos.AT_LEAST_ONCE).send();

            RecordHeaders h = new RecordHeaders();
            h.add("sluice.topic", "cmd/device-burst/step".getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(topic, null, "device-burst",
                        Integer.toString(i).getBytes(StandardCharsets.UTF_8), h));
            }
            producer.flush();
            long t0 = System.nanoTime();
            long maxPending = 0;
            long publishedMs = -1;
            List<Integer> got = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                Mqtt5Publish p = publishes.receive(AWAIT.toMillis(), TimeUnit.MILLISECONDS).orElseThrow(
                        () -> new AssertionError("only " + got.size() + " of " + n + " arrived"));
                got.add(Integer.parseInt(text(p.getPayloadAsBytes())));
                DownlinkStats now = daemon.downlink().stats();
                maxPending = Math.max(maxPending, now.pending());
                if (publishedMs < 0 && now.published() == n) {
                    publishedMs = (System.nanoTime() - t0) / 1_000_000;
                }
            }
            long ms = Math.max(1, (System.nanoTime() - t0) / 1_000_000);
            sub.disconnect();

            assertEquals(java.util.stream.IntStream.range(0, n).boxed().toList(), got, "one key: offset order");
            DownlinkStats s = daemon.downlink().stats();
            assertTrue(s.pauses() > 0, "the bound was reached: " + s);
            assertTrue(maxPending <= bound, "pending " + maxPending + " > " + bound);
            System.out.printf("downlink burst: %d records to one subscriber in %d ms (%d/s; all durable after %d ms),"
                    + " max_pending_records %d, paused %d times%n", n, ms, n * 1000L / ms, publishedMs, bound,
                    s.pauses());
        }
    }

    @Test
    void largeRecords_pauseTheReaderAtMaxPendingBytes_andEachIsPublishedOnceInOrderAndCommitted() throws Exception {
        int n = 30;
        int size = 100_000; // two fit in the bound, a third does not
        long bound = 256 * 1024;
        SluiceConfig config = kafka.daemonConfig("downlink-bytes", Map.of("downlink.max_pending_bytes",
                Long.toString(bound)));
        String topic = config.downlink().topic();
        try (SluiceDaemon daemon = SluiceDaemon.start(config);
             KafkaProducer<String, byte[]> producer = Backend.producer(kafka.bootstrap())) {
            Mqtt5BlockingClient sub = Clients.v5("device-large", daemon.mqttPort());
            sub.connect();
            var publishes = sub.publishes(MqttGlobalPublishFilter.ALL);
            sub.subscribeWith().topicFilter("cmd/device-large/#").qos(MqttQos.AT_LEAST_ONCE).send();

            RecordHeaders h = new RecordHeaders();
            h.add("sluice.topic", "cmd/device-large/blob".getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "device-large", blob(i, size), h));
            }
            producer.flush();
            long maxPendingBytes = 0;
            List<Integer> got = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                Mqtt5Publish p = publishes.receive(AWAIT.toMillis(), TimeUnit.MILLISECONDS).orElseThrow(
                        () -> new AssertionError("only " + got.size() + " of " + n + " arrived"));
                assertEquals(size, p.getPayloadAsBytes().length);
                got.add(indexOf(p.getPayloadAsBytes()));
                maxPendingBytes = Math.max(maxPendingBytes, daemon.downlink().stats().pendingBytes());
            }
            assertEquals(java.util.stream.IntStream.range(0, n).boxed().toList(), got, "each once, in offset order");
            await().atMost(AWAIT).until(() -> committed(config.downlink().group(), topic) == n);
            DownlinkStats s = daemon.downlink().stats();
            assertTrue(s.bytePauses() > 0, "the byte bound was reached: " + s);
            assertTrue(maxPendingBytes <= bound, "pending bytes " + maxPendingBytes + " > " + bound);
            assertEquals(0, s.oversized());

            // one record larger than the whole bound: taken alone, never stalling the reader
            producer.send(new ProducerRecord<>(topic, 0, "device-large", blob(n, 400_000), h)).get(30, TimeUnit.SECONDS);
            Mqtt5Publish big = publishes.receive(AWAIT.toMillis(), TimeUnit.MILLISECONDS).orElseThrow(
                    () -> new AssertionError("the oversized record did not arrive\n" + daemon.downlink().stats()));
            assertEquals(n, indexOf(big.getPayloadAsBytes()));
            await().atMost(AWAIT).until(() -> committed(config.downlink().group(), topic) == n + 1);
            assertEquals(1, daemon.downlink().stats().oversized());
            String status = Backend.admin(daemon, "/status");
            assertTrue(status.contains("\"byte_pauses\""), status);
            assertTrue(Backend.admin(daemon, "/metrics").contains("sluice_downlink_oversized_total 1.0"));
            sub.disconnect();
        }
    }

    /** A payload of {@code size} bytes that starts with {@code index} and a colon. */
    private static byte[] blob(int index, int size) {
        byte[] b = new byte[size];
        java.util.Arrays.fill(b, (byte) 'x');
        byte[] head = (index + ":").getBytes(StandardCharsets.UTF_8);
        System.arraycopy(head, 0, b, 0, head.length);
        return b;
    }

    private static int indexOf(byte[] blob) {
        int colon = 0;
        while (blob[colon] != ':') {
            colon++;
        }
        return Integer.parseInt(new String(blob, 0, colon, StandardCharsets.UTF_8));
    }

    @Test
    void aPersistentSessionOfflineWhenTheRecordIsWritten_getsItOnce_afterAKill9OnceItsOffsetIsCommitted(
            @TempDir Path dir) throws Exception {
        int port = DaemonProcess.freePort();
        String yaml = shortGroupSession(kafka.daemonYaml("downlink-kill9", port));
        String topic = Backend.value(yaml, "downlink:\\n  topic: (\\S+)");
        String group = Backend.value(yaml, "\\n  group: (\\S+)");
        try (DaemonProcess daemon = new DaemonProcess(dir, yaml, port, List.of("-Xmx256m")).start();
             KafkaProducer<String, byte[]> producer = Backend.producer(kafka.bootstrap())) {
            Mqtt3BlockingClient sub = Clients.v3("offline-device", port);
            sub.connectWith().cleanSession(false).send();
            sub.subscribeWith().topicFilter("cmd/offline-device/#").qos(MqttQos.AT_LEAST_ONCE).send();
            sub.disconnect();

            long offset = Backend.write(producer, topic, "dev-42", "reboot", "sluice.topic",
                    "cmd/offline-device/reboot");
            // committed past it: the delivery log holds it for the offline session
            await().atMost(AWAIT).until(() -> committed(group, topic) > offset);
            daemon.kill();
            assertFalse(daemon.process().isAlive());
            daemon.start();

            Mqtt3BlockingClient back = Clients.v3("offline-device", port);
            var publishes = back.publishes(MqttGlobalPublishFilter.ALL);
            assertTrue(back.connectWith().cleanSession(false).send().isSessionPresent(), daemon.log());
            // a later record shows the restarted downlink reading: had it read the first again, that came first
            Backend.write(producer, topic, "dev-42", "marker", "sluice.topic", "cmd/offline-device/marker");
            assertEquals(List.of("cmd/offline-device/reboot reboot", "cmd/offline-device/marker marker"),
                    receive(publishes, 2, daemon), "once, then the later record");
            assertTrue(publishes.receive(1, TimeUnit.SECONDS).isEmpty(), "nothing more");
            back.disconnect();
        }
    }

    @Test
    void aRecordReadButNotCommitted_whenTheDaemonIsKilled9_isReadAgainAndDelivered_atLeastOnce(@TempDir Path dir)
            throws Exception {
        int port = DaemonProcess.freePort();
        // no commit before the kill: the longest interval, and no shutdown
        String yaml = shortGroupSession(kafka.daemonYaml("downlink-uncommitted", port).replaceFirst("downlink:\\n",
                "downlink:\n  commit_interval_ms: 600000\n"));
        String topic = Backend.value(yaml, "downlink:\\n  commit_interval_ms: 600000\\n  topic: (\\S+)");
        String deliveryTopic = Backend.value(yaml, "delivery:\\n  topic: (\\S+)");
        String group = Backend.value(yaml, "\\n  group: (\\S+)");
        try (DaemonProcess daemon = new DaemonProcess(dir, yaml, port, List.of("-Xmx256m")).start();
             KafkaProducer<String, byte[]> producer = Backend.producer(kafka.bootstrap())) {
            Mqtt3BlockingClient sub = Clients.v3("sleepy-device", port);
            sub.connectWith().cleanSession(false).send();
            sub.subscribeWith().topicFilter("cmd/sleepy-device/#").qos(MqttQos.AT_LEAST_ONCE).send();
            sub.disconnect();

            Backend.write(producer, topic, "dev-42", "wake", "sluice.topic", "cmd/sleepy-device/wake");
            // published (the delivery topic has it for the offline session), its offset not committed
            await().atMost(AWAIT).until(() -> kafka.readAll(deliveryTopic).size() == 1);
            assertEquals(-1, committed(group, topic));
            daemon.kill();
            daemon.start();

            Mqtt3BlockingClient back = Clients.v3("sleepy-device", port);
            var publishes = back.publishes(MqttGlobalPublishFilter.ALL);
            assertTrue(back.connectWith().cleanSession(false).send().isSessionPresent(), daemon.log());
            Backend.write(producer, topic, "dev-42", "marker", "sluice.topic", "cmd/sleepy-device/marker");
            // the delivery log had it queued; the record, not committed, was read again after the restart and
            // published a second time: at least once, as documented; the later record after both
            assertEquals(List.of("cmd/sleepy-device/wake wake", "cmd/sleepy-device/wake wake",
                    "cmd/sleepy-device/marker marker"), receive(publishes, 3, daemon));
            assertTrue(publishes.receive(1, TimeUnit.SECONDS).isEmpty(), "nothing more");
            back.disconnect();
        }
    }

    /**
     * A killed node's consumer stays in the group until its session times out; the restarted node gets the downlink
     * partitions only then. The broker's shortest session (6 s) keeps these tests short.
     */
    private static String shortGroupSession(String yaml) {
        return yaml.replaceFirst("\nkafka:\n", "\nkafka:\n  client_properties:\n    session.timeout.ms: \"6000\"\n");
    }

    private static List<String> receive(Mqtt3BlockingClient.Mqtt3Publishes publishes, int n, DaemonProcess daemon)
            throws InterruptedException {
        List<String> got = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Optional<Mqtt3Publish> p = publishes.receive(AWAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (p.isEmpty()) {
                throw new AssertionError("got only " + got + "\n" + daemon.log());
            }
            got.add(p.get().getTopic() + " " + text(p.get().getPayloadAsBytes()));
        }
        return got;
    }

}
