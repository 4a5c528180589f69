package io.sluice.daemon.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.config.ConfigLoader;
import io.sluice.daemon.config.SluiceConfig;
import io.sluice.udp.MqttSnTestClient;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A drain stops the UDP listeners reading too, not only MQTT, and says so in its report. */
class DrainUdpIT {

    private static SluiceConfig config(TestKafka kafka) {
        SluiceConfig base = kafka.daemonConfig("drain-udp");
        Map<String, String> s = new HashMap<>(TestKafka.adminSettings());
        s.putAll(Map.of(
                "node_id", "drain-udp-node",
                "mqtt.host", "127.0.0.1",
                "mqtt.port", "0",
                "kafka.bootstrap_servers", kafka.bootstrap(),
                "kafka.readings_topic", base.kafka().readingsTopic(),
                "kafka.sessions_topic", base.kafka().sessionsTopic(),
                "kafka.topic_partitions", "1",
                "kafka.topic_replication_factor", "1",
                "kafka.topic_min_insync_replicas", "1"));
        s.putAll(Map.of("mqtt_sn.enabled", "true", "mqtt_sn.host", "127.0.0.1", "mqtt_sn.port", "0",
                "line_udp.enabled", "true", "line_udp.host", "127.0.0.1", "line_udp.port", "0"));
        return ConfigLoader.fromMap(s);
    }

    @Test
    void drain_stopsTheMqttSnAndLineListenersReading_andReportsIt() throws Exception {
        try (SluiceDaemon daemon = SluiceDaemon.start(config(TestKafka.shared()));
             DatagramSocket line = new DatagramSocket();
             MqttSnTestClient sn = new MqttSnTestClient(daemon.mqttSn().port())) {
            InetAddress lo = InetAddress.getLoopbackAddress();
            byte[] reading = "temp,dev=d1 value=1.5 1700000000000000000\n".getBytes(StandardCharsets.UTF_8);
            line.send(new DatagramPacket(reading, reading.length, lo, daemon.lineUdp().port()));
            sn.send(MqttSnTestClient.connect("drain-sn", true));
            await().atMost(Duration.ofSeconds(10)).until(() -> daemon.lineUdp().stats().datagrams.sum() == 1
                    && daemon.mqttSn().stats().datagrams.sum() == 1);

            SluiceDaemon.DrainReport report = daemon.drain(Duration.ofSeconds(30));
            assertTrue(report.drained(), "the line reading read before the drain reached Kafka");
            assertEquals(List.of("mqtt", "mqtt_sn", "line_udp"), report.stoppedReading());

            line.send(new DatagramPacket(reading, reading.length, lo, daemon.lineUdp().port()));
            sn.send(MqttSnTestClient.connect("drain-sn-2", true));
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() ->
                    daemon.lineUdp().stats().datagrams.sum() == 1 && daemon.mqttSn().stats().datagrams.sum() == 1);
        }
    }
}
