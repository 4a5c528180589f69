package io.sluice.daemon.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.config.SluiceConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delivery end to end: the real daemon on real Kafka, HiveMQ clients and Debian's mosquitto_pub/mosquitto_sub as
 * publishers and subscribers, every message passing through the delivery topic before a subscriber sees it.
 */
class DeliveryIT {
    private static final Duration AWAIT = Duration.ofSeconds(60);
    private static final Path MOSQUITTO_PUB = Path.of("/usr/bin/mosquitto_pub");
    private final TestKafka kafka = TestKafka.shared();

    @BeforeAll
    static void needsMosquittoClients() {
        boolean present = Files.isExecutable(MOSQUITTO_PUB) && Files.isExecutable(MosquittoSub.PATH);
        if (!present && "true".equals(System.getenv("CI"))) {
            fail("mosquitto_pub/mosquitto_sub not found: .ci/run installs Debian's mosquitto-clients");
        }
        assumeTrue(present, "mosquitto-clients not installed");
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static List<String> sorted(List<String> l) {
        return l.stream().sorted().toList();
    }

    private static Optional<String> next(Mqtt5BlockingClient.Mqtt5Publishes publishes) throws InterruptedException {
        return publishes.receive(AWAIT.toMillis(), TimeUnit.MILLISECONDS)
                .map(p -> p.getTopic() + " " + text(p.getPayloadAsBytes()));
    }

    @Test
    void aClientThatFallsSilent_isClosedAtItsKeepAlive_andItsWillReachesSubscribers() throws Exception {
        try (SluiceDaemon daemon = SluiceDaemon.start(kafka.daemonConfig("delivery-keepalive-will"))) {
            int port = daemon.mqttPort();
            Mqtt5BlockingClient sub = Clients.v5("will-watcher", port);
            sub.connect();
            var publishes = sub.publishes(MqttGlobalPublishFilter.ALL);
            sub.subscribeWith().topicFilter("wills/#").qos(MqttQos.AT_LEAST_ONCE).send();
            try (RawMqtt silent = new RawMqtt(port)) {
                silent.send(RawMqtt.connectWithWill("silent-device", 2, "wills/silent-device",
                        "keep alive expired".getBytes(StandardCharsets.UTF_8)));
                assertEquals(0x20, silent.readPacket()[0] & 0xff, "CONNACK");
                // it sends nothing more: the server closes it after 1.5 x 2 s, which is a network failure for
                // MQTT, so its will is due although the server, not the client, ended the connection
                assertEquals(Optional.of("wills/silent-device keep alive expired"), next(publishes));
            }
            sub.disconnect();
        }
    }

    @Test
    void qos0And1_reachEveryMatchingWildcardSubscriber_hivemqAndMosquitto_andNothingElse() throws Exception {
        try (SluiceDaemon daemon = SluiceDaemon.start(kafka.daemonConfig("delivery-pubsub"))) {
            int port = daemon.mqttPort();
            Mqtt5BlockingClient plus = Clients.v5("sub-plus", port);
            plus.connect();
            var plusPublishes = plus.publishes(MqttGlobalPublishFilter.ALL);
            plus.subscribeWith().topicFilter("plant/+/temp").qos(MqttQos.AT_LEAST_ONCE).send();
            Mqtt3BlockingClient hash = Clients.v3("sub-hash", port);
            hash.connect();
            var hashPublishes = hash.publishes(MqttGlobalPublishFilter.ALL);
            hash.subscribeWith().topicFilter("plant/#").qos(MqttQos.AT_MOST_ONCE).send();
            try (MosquittoSub mosquitto = new MosquittoSub(port, "-V", "mqttv311", "-i", "mosq-sub", "-q", "1",
                    "-t", "plant/+/temp")) {
                Mqtt5BlockingClient pub = Clients.v5("pub", port);
                pub.connect();
                pub.publishWith().topic("plant/a/temp").qos(MqttQos.AT_LEAST_ONCE).payload(Clients.utf8("1")).send();
                pub.publishWith().topic("plant/a/humidity").qos(MqttQos.AT_LEAST_ONCE).payload(Clients.utf8("2"))
                        .send();
                pub.publishWith().topic("plant/b/temp").qos(MqttQos.AT_MOST_ONCE).payload(Clients.utf8("3")).send();
                pub.publishWith().topic("elsewhere/c/temp").qos(MqttQos.AT_LEAST_ONCE).payload(Clients.utf8("x"))
                        .send();
                var mosqPub = new ProcessBuilder(MOSQUITTO_PUB.toString(), "-h", "127.0.0.1", "-p",
                        String.valueOf(port), "-V", "mqttv5", "-i", "mosq-pub", "-q", "1", "-t", "plant/d/temp",
                        "-m", "4").redirectErrorStream(true).start();
                assertTrue(mosqPub.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, mosqPub.exitValue(), text(mosqPub.getInputStream().readAllBytes()));
                pub.disconnect();

                List<String> plusGot = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    plusGot.add(next(plusPublishes).orElseThrow());
                }
                // MQTT orders messages of one topic and QoS only: across topics and QoS levels, compare the sets
                assertEquals(List.of("plant/a/temp 1", "plant/b/temp 3", "plant/d/temp 4"), sorted(plusGot));
                List<String> hashGot = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    hashGot.add(hashPublishes.receive(AWAIT.toMillis(), TimeUnit.MILLISECONDS)
                            .map(p -> p.getTopic() + " " + text(p.getPayloadAsBytes())).orElseThrow());
                }
                assertEquals(List.of("plant/a/humidity 2", "plant/a/temp 1", "plant/b/temp 3", "plant/d/temp 4"),
                        sorted(hashGot));
                await().atMost(AWAIT).until(() -> mosquitto.messages().size() >= 3);
                assertEquals(List.of("plant/a/temp 1", "plant/b/temp 3", "plant/d/temp 4"), sorted(mosquitto.messages()));
                // nothing beyond what matched: the last message of each stream was the last one sent to it
                assertTrue(plusPublishes.receiveNow().isEmpty());
                assertTrue(hashPublishes.receiveNow().isEmpty());
            } finally {
                plus.disconnect();
                hash.disconnect();
            }
        }
    }

    /**
     * Topic aliases towards a client (MQTT 5): HiveMQ's client allows two; Sluice sets them on the first PUBLISH of the
     * first two topics and sends later ones by alias, the third topic in full. The client resolves every alias back
     * to its topic, so it sees each message under its own topic, in publish order.
     */
    @Test
    void anMqtt5SubscriberThatAllowsTopicAliases_getsEveryMessageUnderItsTopic_hivemqResolvingTheAliases()
            throws Exception {
        try (SluiceDaemon daemon = SluiceDaemon.start(kafka.daemonConfig("delivery-aliases"))) {
            int port = daemon.mqttPort();
            Mqtt5BlockingClient sub = Clients.v5("sub-aliases", port);
            sub.connectWith().restrictions().topicAliasMaximum(2).applyRestrictions().send();
            var publishes = sub.publishes(MqttGlobalPublishFilter.ALL);
            sub.subscribeWith().topicFilter("alias/#").qos(MqttQos.AT_LEAST_ONCE).send();
            Mqtt5BlockingClient pub = Clients.v5("pub-aliases", port);
            pub.connect();
            List<String> sent = List.of("alias/a 0", "alias/a 1", "alias/b 2", "alias/c 3", "alias/a 4",
                    "alias/c 5", "alias/b 6");
            for (String m : sent) {
                String[] tp = m.split(" ");
                pub.publishWith().topic(tp[0]).qos(MqttQos.AT_LEAST_ONCE).payload(Clients.utf8(tp[1])).send();
            }
            List<String> got = new ArrayList<>();
            for (int i = 0; i < sent.size(); i++) {
                got.add(next(publishes).orElseThrow());
            }
            assertEquals(sent, got);
            assertTrue(publishes.receiveNow().isEmpty());
            pub.disconnect();
            sub.disconnect();
        }
    }

    @Test
    void aRetainedMessage_isServedToANewSubscriber_survivesARestart_andAnEmptyOneDeletesIt() throws Exception {
        SluiceConfig config = kafka.daemonConfig("delivery-retained");
        try (SluiceDaemon daemon = SluiceDaemon.start(config)) {
            Mqtt5BlockingClient pub = Clients.v5("setter", daemon.mqttPort());
            pub.connect();
            pub.publishWith().topic("home/lamp").qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(Clients.utf8("on"))
                    .send();
            pub.publishWith().topic("home/door").qos(MqttQos.AT_LEAST_ONCE).retain(true)
                    .payload(Clients.utf8("closed")).send();
            pub.disconnect();
            await().atMost(AWAIT).until(() -> daemon.deliveryLog().stats().retained() == 2);

            assertEquals(List.of("home/lamp on"), retainedSeenByMosquitto(daemon.mqttPort(), "home/lamp"));
        }
        try (SluiceDaemon restarted = SluiceDaemon.start(config)) {
            Mqtt5BlockingClient sub = Clients.v5("late-subscriber", restarted.mqttPort());
            sub.connect();
            var publishes = sub.publishes(MqttGlobalPublishFilter.ALL);
            sub.subscribeWith().topicFilter("home/#").qos(MqttQos.AT_LEAST_ONCE).send();
            List<Mqtt5Publish> got = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                got.add(publishes.receive(AWAIT.toMillis(), TimeUnit.MILLISECONDS).orElseThrow());
            }
            assertEquals(List.of("home/door closed", "home/lamp on"), got.stream()
                    .map(p -> p.getTopic() + " " + text(p.getPayloadAsBytes())).sorted().toList());
            assertTrue(got.stream().allMatch(Mqtt5Publish::isRetain), "served with RETAIN=1");
            sub.disconnect();

            Mqtt5BlockingClient pub = Clients.v5("unsetter", restarted.mqttPort());
            pub.connect();
            pub.publishWith().topic("home/lamp").qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(new byte[0]).send();
            pub.disconnect();
            await().atMost(AWAIT).until(() -> restarted.deliveryLog().stats().retained() == 1);

            assertEquals(List.of("home/door closed"), retainedSeenByMosquitto(restarted.mqttPort(), "home/#"));
            String status = Backend.admin(restarted, "/status");
            assertTrue(status.matches("(?s).*\"delivery\":\\{\"topic\":\"" + config.delivery().topic()
                    + " partition [01]\",\"position\":\\d+,\"committed\":\\d+,\"lag\":0,.*\"retained\":1,.*"),
                    status);
            assertTrue(Backend.admin(restarted, "/metrics").contains("sluice_delivery_retained 1.0"));
        }
    }

    /** What mosquitto_sub gets at once on subscribing: the retained messages ({@code --retained-only}). */
    private static List<String> retainedSeenByMosquitto(int port, String filter) throws Exception {
        var p = new ProcessBuilder(MosquittoSub.PATH.toString(), "-h", "127.0.0.1", "-p", String.valueOf(port),
                "-V", "mqttv5", "-t", filter, "-v", "--retained-only", "-W", "3").redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String out = text(p.getInputStream().readAllBytes());
        return out.lines().filter(l -> !l.isBlank() && !l.startsWith("Timed out")).sorted().toList();
    }

    @Test
    void aPersistentSubscriber_offlineWhile1000Qos1Arepublished_andTheDaemonKilled9_getsAll1000InOrder(
            @TempDir Path dir) throws Exception {
        int port = DaemonProcess.freePort();
        String yaml = kafka.daemonYaml("delivery-kill9", port);
        try (DaemonProcess daemon = new DaemonProcess(dir, yaml, port, List.of("-Xmx256m")).start()) {
            Mqtt3BlockingClient sub = Clients.v3("offline-sub", port);
            sub.connectWith().cleanSession(false).send();
            sub.subscribeWith().topicFilter("orders/#").qos(MqttQos.AT_LEAST_ONCE).send();
            sub.disconnect();

            Mqtt5BlockingClient pub = Clients.v5("order-desk", port);
            pub.connect();
            for (int i = 0; i < 1_000; i++) {
                pub.publishWith().topic("orders/" + (i % 7)).qos(MqttQos.AT_LEAST_ONCE)
                        .payload(Clients.utf8(Integer.toString(i))).send(); // returns once PUBACKed
            }
            pub.disconnect();

            daemon.kill();
            assertFalse(daemon.process().isAlive());
            daemon.start();

            Mqtt3BlockingClient back = Clients.v3("offline-sub", port);
            var publishes = back.publishes(MqttGlobalPublishFilter.ALL);
            assertTrue(back.connectWith().cleanSession(false).send().isSessionPresent(), daemon.log());
            List<Integer> got = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                Optional<Mqtt3Publish> p = publishes.receive(AWAIT.toMillis(), TimeUnit.MILLISECONDS);
                if (p.isEmpty()) {
                    fail("only " + got.size() + " of 1,000 arrived; the last: "
                            + got.subList(Math.max(0, got.size() - 5), got.size()) + "\n" + daemon.log());
                }
                got.add(Integer.parseInt(text(p.get().getPayloadAsBytes())));
            }
            back.disconnect();
            assertEquals(IntStream.range(0, 1_000).boxed().toList(), got, "all 1,000, in order, none twice");
        }
    }
}
