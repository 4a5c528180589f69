package io.sluice.daemon.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling;
import io.sluice.daemon.SluiceDaemon;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Delivery through the real daemon and real Kafka for what DeliveryIT does not cover: MQTT 5 no-local and shared
 * subscriptions with HiveMQ clients, a retained message from {@code mosquitto_pub} (MQTT 5) served with RETAIN, and an
 * offline session's queued messages as {@code sluice sessions show} counts them. One daemon for the class (tests use
 * topics and client ids of their own).
 */
class DeliveryInteropIT {
    private static final Path MOSQUITTO_PUB = Path.of("/usr/bin/mosquitto_pub");
    private static SluiceDaemon daemon;

    @BeforeAll
    static void start() {
        boolean present = Files.isExecutable(MOSQUITTO_PUB);
        if (!present && "true".equals(System.getenv("CI"))) {
            fail("mosquitto_pub not found: .ci/run installs Debian's mosquitto-clients");
        }
        assumeTrue(present, "mosquitto-clients not installed");
        daemon = SluiceDaemon.start(TestKafka.shared().daemonConfig("delivery-interop"));
    }

    @AfterAll
    static void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void noLocal_keepsAHivemqMqtt5ClientsOwnMessagesFromIt_whileAnotherClientsArrive() throws Exception {
        Mqtt5BlockingClient me = Clients.v5("nolocal-me", daemon.mqttPort());
        Mqtt5BlockingClient other = Clients.v5("nolocal-other", daemon.mqttPort());
        me.connect();
        other.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = me.publishes(MqttGlobalPublishFilter.ALL)) {
            me.subscribeWith().topicFilter("interop/chat").qos(MqttQos.AT_LEAST_ONCE).noLocal(true).send();
            me.publishWith().topic("interop/chat").qos(MqttQos.AT_LEAST_ONCE).payload(utf8("mine")).send();
            other.publishWith().topic("interop/chat").qos(MqttQos.AT_LEAST_ONCE).payload(utf8("theirs")).send();
            Optional<Mqtt5Publish> first = publishes.receive(30, TimeUnit.SECONDS);
            assertTrue(first.isPresent());
            assertEquals("theirs", new String(first.get().getPayloadAsBytes(), StandardCharsets.UTF_8),
                    "its own message, published first, never came");
        } finally {
            me.disconnect();
            other.disconnect();
        }
    }

    @Test
    void aSharedSubscription_givesEachMessageToOneOfItsMembers() throws Exception {
        Mqtt5BlockingClient a = Clients.v5("shared-a", daemon.mqttPort());
        Mqtt5BlockingClient b = Clients.v5("shared-b", daemon.mqttPort());
        Mqtt5BlockingClient pub = Clients.v5("shared-pub", daemon.mqttPort());
        a.connect();
        b.connect();
        pub.connect();
        List<String> got = new CopyOnWriteArrayList<>();
        try (Mqtt5BlockingClient.Mqtt5Publishes pa = a.publishes(MqttGlobalPublishFilter.ALL);
             Mqtt5BlockingClient.Mqtt5Publishes pb = b.publishes(MqttGlobalPublishFilter.ALL)) {
            a.subscribeWith().topicFilter("$share/workers/interop/jobs").qos(MqttQos.AT_LEAST_ONCE).send();
            b.subscribeWith().topicFilter("$share/workers/interop/jobs").qos(MqttQos.AT_LEAST_ONCE).send();
            for (int i = 0; i < 10; i++) {
                pub.publishWith().topic("interop/jobs").qos(MqttQos.AT_LEAST_ONCE).payload(utf8("job-" + i)).send();
            }
            int fromA = 0;
            for (int i = 0; i < 10; i++) {
                Optional<Mqtt5Publish> m = pa.receive(1, TimeUnit.SECONDS);
                if (m.isEmpty()) {
                    m = pb.receive(30, TimeUnit.SECONDS);
                } else {
                    fromA++;
                }
                assertTrue(m.isPresent(), "job " + i + " of 10 reached a member");
                got.add(new String(m.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
            }
            assertTrue(pa.receive(1, TimeUnit.SECONDS).isEmpty() && pb.receive(1, TimeUnit.SECONDS).isEmpty(),
                    "no job twice");
            assertTrue(fromA > 0 && fromA < 10, "both members got jobs: " + fromA + " of 10 went to a");
        } finally {
            a.disconnect();
            b.disconnect();
            pub.disconnect();
        }
        assertEquals(10, got.stream().distinct().count(), "each job once: " + got);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aRetainedMessageFromMosquittoPub_isServedToANewHivemqSubscriber_withRetainAndItsSubscriptionIdentifier()
            throws Exception {
        Process pub = new ProcessBuilder(MOSQUITTO_PUB.toString(), "-h", "127.0.0.1", "-p",
                String.valueOf(daemon.mqttPort()), "-V", "mqttv5", "-i", "retain-pub", "-q", "1", "-r", "-t",
                "interop/config/dev-7", "-m", "interval=60").redirectErrorStream(true).start();
        assertTrue(pub.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, pub.exitValue(), new String(pub.getInputStream().readAllBytes(), StandardCharsets.UTF_8));

        // the retained message is served once the retained topic hands it back: subscribe until it comes
        Mqtt5Publish got = await().atMost(Duration.ofSeconds(30)).until(() -> retainedOnSubscribe(), Optional::isPresent)
                .orElseThrow();
        assertTrue(got.isRetain());
        assertArrayEquals("interval=60".getBytes(StandardCharsets.UTF_8), got.getPayloadAsBytes());
        assertEquals("interop/config/dev-7", got.getTopic().toString());
    }

    private static Optional<Mqtt5Publish> retainedOnSubscribe() {
        Mqtt5BlockingClient c = Clients.v5("retain-sub", daemon.mqttPort());
        c.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter("interop/config/+").qos(MqttQos.AT_LEAST_ONCE)
                    .retainHandling(Mqtt5RetainHandling.SEND).send();
            return publishes.receive(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            c.disconnect();
        }
    }

    @Test
    void aPersistentSubscriber_getsWhatWasPublishedWhileItWasAway_inOrder() throws Exception {
        Mqtt3BlockingClient sub = Clients.v3("away-sub", daemon.mqttPort());
        sub.connectWith().cleanSession(false).send();
        sub.subscribeWith().topicFilter("interop/away").qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();

        Process pub = new ProcessBuilder(MOSQUITTO_PUB.toString(), "-h", "127.0.0.1", "-p",
                String.valueOf(daemon.mqttPort()), "-V", "mqttv311", "-i", "away-pub", "-q", "1", "-t",
                "interop/away", "-l").redirectErrorStream(true).start(); // one message per line of stdin
        try (var in = pub.getOutputStream()) {
            for (int i = 0; i < 20; i++) {
                in.write(("q" + i + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        assertTrue(pub.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, pub.exitValue(), new String(pub.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            var info = daemon.mqtt().sessionInfo("away-sub");
            return info != null && info.queued() == 20;
        });

        Mqtt3BlockingClient again = Clients.v3("away-sub", daemon.mqttPort());
        List<String> got = new ArrayList<>();
        try (Mqtt3BlockingClient.Mqtt3Publishes publishes =
                     again.publishes(MqttGlobalPublishFilter.ALL)) {
            assertTrue(again.connectWith().cleanSession(false).send().isSessionPresent());
            for (int i = 0; i < 20; i++) {
                var p = publishes.receive(30, TimeUnit.SECONDS);
                assertTrue(p.isPresent(), "message " + i + " of 20");
                got.add(new String(p.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
            }
        }
        again.disconnect();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            expected.add("q" + i);
        }
        assertEquals(expected, got);
        await().atMost(Duration.ofSeconds(10)).until(() -> daemon.mqtt().sessionInfo("away-sub").queued() == 0);
    }
}
