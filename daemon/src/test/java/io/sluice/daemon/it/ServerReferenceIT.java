package io.sluice.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.sluice.daemon.SluiceDaemon;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A full node (mqtt.max_connections reached) with mqtt.server_references set: an MQTT 5 CONNECT, from the HiveMQ
 * client and from mosquitto_pub, gets CONNACK 0x9C (use another server) naming the references in turn; an MQTT 3.1.1
 * one is closed without CONNACK, as a full node always closed it.
 */
class ServerReferenceIT {

    @Test
    void aFullNode_answersMqtt5Connects0x9C_withTheReferencesInTurn_andClosesMqtt311Ones() throws Exception {
        try (SluiceDaemon d = SluiceDaemon.start(TestKafka.shared().daemonConfig("full", Map.of(
                "mqtt.max_connections", "1",
                "mqtt.server_references", "node-2.example:1883,node-3.example:1883")))) {
            Mqtt5BlockingClient first = Clients.v5("holds-the-slot", d.mqttPort());
            first.connect();

            List<String> told = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Mqtt5BlockingClient refused = Clients.v5("refused-" + i, d.mqttPort());
                Mqtt5ConnAckException e = assertThrows(Mqtt5ConnAckException.class, refused::connect);
                Mqtt5ConnAck ack = e.getMqttMessage();
                assertEquals(Mqtt5ConnAckReasonCode.USE_ANOTHER_SERVER, ack.getReasonCode());
                told.add(ack.getServerReference().map(Object::toString).orElse(null));
            }
            assertEquals(List.of("node-2.example:1883", "node-3.example:1883"), told);

            Process pub = new ProcessBuilder("/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p",
                    String.valueOf(d.mqttPort()), "-V", "mqttv5", "-i", "mosq-full", "-t", "full/x", "-m", "1")
                    .redirectErrorStream(true).start();
            assertTrue(pub.waitFor(30, TimeUnit.SECONDS), "mosquitto_pub finished");
            String out = new String(pub.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            System.out.println("mosquitto_pub -V mqttv5 against a full node: exit " + pub.exitValue() + ", " + out);
            assertNotEquals(0, pub.exitValue(), out);
            assertTrue(out.toLowerCase().contains("another server"), out);

            Mqtt3BlockingClient old = Clients.v3("refused-311", d.mqttPort());
            assertThrows(Exception.class, old::connect, "closed without CONNACK");
            assertEquals(4, d.mqttStats().event("max_connections_refused"));
            assertTrue(first.getState().isConnected(), "the connection within the bound is untouched");
            first.disconnect();
        }
    }
}
