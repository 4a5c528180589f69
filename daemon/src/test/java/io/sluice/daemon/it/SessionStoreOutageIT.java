package io.sluice.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.config.ConfigLoader;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * New persistent sessions while Kafka is down: their CONNECTs are refused with server unavailable once
 * mqtt.session_store_timeout_ms passes, instead of hanging behind the session log; a stored session still resumes.
 * Uses its own broker, since it stops it.
 */
class SessionStoreOutageIT {
    private static TestKafka kafka;

    @BeforeAll
    static void ownBroker() {
        kafka = TestKafka.ownSingleBroker();
    }

    @AfterAll
    static void closeBroker() {
        kafka.close();
    }

    private static Mqtt5BlockingClient v5(SluiceDaemon daemon, String id) {
        return MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1")
                .serverPort(daemon.mqttPort()).buildBlocking();
    }

    @Test
    void newPersistentConnects_duringAnOutage_areRefusedServerUnavailable_withinTheTimeout_andStoredSessionsResume() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> settings = new HashMap<>(TestKafka.adminSettings());
        settings.putAll(Map.of("node_id", "it-node", "mqtt.host", "127.0.0.1", "mqtt.port", "0",
                "kafka.bootstrap_servers", kafka.bootstrap(), "kafka.readings_topic", "readings-" + suffix,
                "kafka.sessions_topic", "sessions-" + suffix, "kafka.topic_partitions", "3",
                "kafka.topic_replication_factor", "1", "kafka.topic_min_insync_replicas", "1",
                "mqtt.session_store_timeout_ms", "2000"));
        try (SluiceDaemon daemon = SluiceDaemon.start(ConfigLoader.fromMap(settings))) {
            Mqtt5BlockingClient resumer = v5(daemon, "resumer");
            resumer.connectWith().cleanStart(false).sessionExpiryInterval(600).send();
            resumer.disconnect();

            kafka.stopBroker();
            try {
                long t0 = System.nanoTime();
                Mqtt5ConnAckException refused = assertThrows(Mqtt5ConnAckException.class,
                        () -> v5(daemon, "newcomer").connectWith().cleanStart(false).sessionExpiryInterval(600).send());
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(Mqtt5ConnAckReasonCode.SERVER_UNAVAILABLE, refused.getMqttMessage().getReasonCode());
                assertTrue(ms >= 1_900 && ms < 20_000, "refused after " + ms + " ms");

                Mqtt3ConnAckException refused311 = assertThrows(Mqtt3ConnAckException.class,
                        () -> MqttClient.builder().useMqttVersion3().identifier("newcomer-311").serverHost("127.0.0.1")
                                .serverPort(daemon.mqttPort()).buildBlocking().connectWith().cleanSession(false).send());
                assertEquals(Mqtt3ConnAckReturnCode.SERVER_UNAVAILABLE, refused311.getMqttMessage().getReturnCode());
                assertTrue(daemon.mqttStats().event("session_store_timeout") >= 2);

                var resumed = v5(daemon, "resumer");
                assertTrue(resumed.connectWith().cleanStart(false).sessionExpiryInterval(600).send().isSessionPresent(),
                        "a stored, unchanged session resumes without waiting for Kafka");
                resumed.disconnect();
            } finally {
                kafka.startBroker();
            }
        }
    }
}
