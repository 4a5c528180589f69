package io.sluice.daemon.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.sluice.stack.QuestDbServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `sluice run` with the fan-out on, against real Kafka and QuestDB: readings published over MQTT become rows, and
 * SIGHUP with new mapping rules restarts the fan-out so later readings follow the new rules, without a restart.
 */
class FanoutReloadIT {

    private static String fanoutSection(String url, String table, String site) {
        return """
                fanout:
                  enabled: true
                  workers: 1
                  group_id: reload-%s
                  dead_letter_topic: reload-dlq-%s
                  influx_url: %s
                  linger_ms: 50
                  rules:
                    - topic: sensors/{device}/#
                      measurement: %s
                      timestamp_field: ts
                      precision: ms
                      tags: {site: %s}
                """.formatted(table, table, url, table, site);
    }

    private static void publish(Mqtt5BlockingClient c, int from, int to) {
        for (int i = from; i < to; i++) {
            c.publishWith().topic("sensors/dev-" + (i % 3) + "/temp").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(Clients.utf8("{\"ts\": " + (1_700_000_000_000L + i) + ", \"temp\": " + i + ".5}"))
                    .send();
        }
    }

    @Test
    void rowsArrive_andSighupWithNewRules_appliesThemWithoutARestart(@TempDir Path dir) throws Exception {
        TestKafka kafka = TestKafka.shared();
        QuestDbServer tsdb = QuestDbServer.shared();
        String table = "reload_" + UUID.randomUUID().toString().substring(0, 8);
        tsdb.createTable(table, List.of("device", "site"), List.of("temp DOUBLE"));
        int port = DaemonProcess.freePort();
        String base = kafka.daemonYaml("fanout-reload", port);
        try (DaemonProcess daemon = new DaemonProcess(dir, base + fanoutSection(tsdb.url(), table, "before"), port,
                List.of()).start()) {
            Mqtt5BlockingClient client = Clients.v5("reload-pub", port);
            client.connect();
            publish(client, 0, 30);
            await().atMost(Duration.ofSeconds(60)).until(() -> tsdb.count(table) == 30);
            assertEquals(30, tsdb.queryLong("SELECT count() FROM " + table + " WHERE site = 'before'"));

            Files.writeString(dir.resolve("sluice.yaml"), base + fanoutSection(tsdb.url(), table, "after"));
            new ProcessBuilder("kill", "-HUP", Long.toString(daemon.pid())).start().waitFor();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertTrue(
                    daemon.log().contains("Reload applied: fan-out restarted with the new fanout section"),
                    daemon.log()));
            assertTrue(!daemon.log().contains("take effect only after a restart"), daemon.log());

            publish(client, 30, 60);
            await().atMost(Duration.ofSeconds(60)).until(() -> tsdb.count(table) == 60);
            assertEquals(30, tsdb.queryLong("SELECT count() FROM " + table + " WHERE site = 'after'"));
            assertEquals(30, tsdb.queryLong("SELECT count() FROM " + table + " WHERE site = 'before'"));
            client.disconnect();
            assertEquals(0, daemon.terminate(Duration.ofSeconds(60)), daemon.log());
        }
    }
}
