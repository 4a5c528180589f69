package io.sluice.daemon.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.config.SluiceConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Persistent sessions live in the compacted sessions topic: session-present must be right after a reconnect, a
 * graceful restart and a kill -9 of the daemon.
 */
class SessionPersistenceIT {
    private final TestKafka kafka = TestKafka.shared();

    private static boolean connectV5(String id, int port, boolean cleanStart) {
        Mqtt5BlockingClient c = Clients.v5(id, port);
        boolean present = c.connectWith().cleanStart(cleanStart).sessionExpiryInterval(3600).send().isSessionPresent();
        c.subscribeWith().topicFilter("commands/" + id + "/#").qos(MqttQos.AT_LEAST_ONCE).send();
        c.disconnect();
        return present;
    }

    private static boolean connectV3(String id, int port, boolean cleanSession) {
        Mqtt3BlockingClient c = Clients.v3(id, port);
        boolean present = c.connectWith().cleanSession(cleanSession).send().isSessionPresent();
        c.disconnect();
        return present;
    }

    @Test
    void sessionPresent_afterReconnect_andAfterGracefulRestart() {
        SluiceConfig config = kafka.daemonConfig("sessions-graceful");
        try (SluiceDaemon first = SluiceDaemon.start(config)) {
            assertFalse(connectV5("meter-1", first.mqttPort(), false), "a new session is not present");
            assertTrue(connectV5("meter-1", first.mqttPort(), false), "present after reconnect");
            assertFalse(connectV3("meter-3", first.mqttPort(), false));
            assertTrue(connectV3("meter-3", first.mqttPort(), false));
            assertFalse(connectV5("meter-clean", first.mqttPort(), true), "clean start never has a session");
        }
        try (SluiceDaemon second = SluiceDaemon.start(config)) {
            assertTrue(connectV5("meter-1", second.mqttPort(), false), "MQTT 5 session survives a graceful restart");
            assertTrue(connectV3("meter-3", second.mqttPort(), false), "MQTT 3.1.1 session survives a graceful restart");
            assertTrue(connectV5("meter-clean", second.mqttPort(), false),
                    "the session created by the last clean-start connect with expiry > 0 persists");
            assertFalse(connectV5("meter-unknown", second.mqttPort(), false));
            // clean start discards a stored session, and that too survives a restart
            assertFalse(connectV5("meter-1", second.mqttPort(), true));
        }
    }

    @Test
    void sessionPresent_afterKill9OfTheDaemon(@TempDir Path dir) throws Exception {
        int port = DaemonProcess.freePort();
        String yaml = kafka.daemonYaml("sessions-kill9", port);
        try (DaemonProcess daemon = new DaemonProcess(dir, yaml, port, List.of("-Xmx256m")).start()) {
            assertFalse(connectV5("valve-9", port, false));
            assertFalse(connectV3("valve-3", port, false));
            daemon.kill();
            assertFalse(daemon.process().isAlive());
            daemon.start();
            assertTrue(connectV5("valve-9", port, false), "MQTT 5 session survives kill -9\n" + daemon.log());
            assertTrue(connectV3("valve-3", port, false), "MQTT 3.1.1 session survives kill -9\n" + daemon.log());
        }
    }
}
