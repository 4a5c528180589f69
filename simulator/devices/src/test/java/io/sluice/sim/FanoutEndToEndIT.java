package io.sluice.sim;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.config.ConfigLoader;
import io.sluice.stack.KafkaCluster;
import io.sluice.stack.KafkaRecords;
import io.sluice.stack.QuestDbServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fan-out's acceptance, end to end: real MQTT devices publish through a Sluice node into real Kafka, and a
 * separate {@code sluice fanout} process (two members with 2,000-point batches, heap capped at 64 MiB, exits on
 * OutOfMemoryError: a member holds up to three batches' worth of records) writes the readings to
 * a real QuestDB. Counts are exact SQL counts: every reading has its own timestamp and the table deduplicates on
 * (timestamp, sensor), so a count matches only if each reading was written and none twice.
 */
class FanoutEndToEndIT {
    private static final String TABLE = "climate";
    private final KafkaCluster kafka = KafkaCluster.shared();

    @Test
    void thousandDevices_exactCounts_throughA30sTsdbOutage_andAKill9OfTheFanout(@TempDir Path dir) throws Exception {
        String topic = "fanout-e2e-" + UUID.randomUUID();
        try (QuestDbServer tsdb = QuestDbServer.start();
             SluiceDaemon node = SluiceDaemon.start(ConfigLoader.fromMap(Map.ofEntries(
                     Map.entry("node_id", "e2e"),
                     Map.entry("mqtt.host", "127.0.0.1"),
                     Map.entry("mqtt.port", "0"),
                     Map.entry("kafka.bootstrap_servers", kafka.bootstrapServers()),
                     Map.entry("kafka.readings_topic", topic),
                     Map.entry("kafka.sessions_topic", topic + "-sessions"),
                     Map.entry("kafka.topic_partitions", "4"),
                     Map.entry("kafka.topic_replication_factor", "1"),
                     Map.entry("kafka.topic_min_insync_replicas", "1"),
                     Map.entry("admin.port", "0"),
                     Map.entry("admin.token_file", dir.resolve("node.token").toString()))));
             FanoutProcess fanout = new FanoutProcess(dir, """
                     kafka:
                       bootstrap_servers: %s
                       readings_topic: %s
                       topic_partitions: 4
                       topic_replication_factor: 1
                       topic_min_insync_replicas: 1
                     fanout:
                       workers: 2
                       batch_max_points: 2000
                       group_id: %s-group
                       dead_letter_topic: %s-deadletter
                       influx_url: %s
                       retry_max_ms: 2000
                       rules:
                         - topic: sensors/{sensor}/#
                           measurement: %s
                           timestamp_field: ts
                           precision: ms
                     """.formatted(kafka.bootstrapServers(), topic, topic, topic, tsdb.url(), TABLE),
                     List.of("-Xmx64m", "-XX:+ExitOnOutOfMemoryError"))) {
            tsdb.createTable(TABLE, List.of("sensor"), List.of("temp DOUBLE", "seq DOUBLE"));
            fanout.start();
            int port = node.mqttPort();

            // 1. 100,000 readings from 1,000 devices become exactly 100,000 rows, mapped
            LoadReport first = publish(port, "a-", 1000, 100, 128);
            assertEquals(100_000, first.acknowledged());
            await().atMost(Duration.ofSeconds(180)).until(() -> tsdb.count(TABLE) == 100_000);
            assertEquals(100, tsdb.queryLong("SELECT count() FROM " + TABLE + " WHERE sensor = 'a-000421'"));
            assertEquals(1, tsdb.queryLong("SELECT count() FROM " + TABLE
                    + " WHERE sensor = 'a-000421' AND seq = 19 AND temp = 16.9"));
            await().atMost(Duration.ofSeconds(30)).until(() -> fanout.metric("sluice_fanout_lag") == 0);
            String status = fanout.statusText();
            assertTrue(status.contains("role") && status.contains("fanout") && status.contains("members_running  2/2"),
                    status);
            assertTrue(status.contains("points_written  100000"), status);

            // 2. TSDB down for 30 s while 200,000 readings (~64 MB of payload, the fan-out's whole heap) arrive:
            // nothing is written, lag grows past them, the fan-out stays alive in its 64 MiB; then everything drains
            long down = System.nanoTime();
            tsdb.stop();
            LoadReport second = publish(port, "b-", 1000, 200, 320);
            assertEquals(200_000, second.acknowledged());
            await().atMost(Duration.ofSeconds(60)).until(() -> fanout.metric("sluice_fanout_lag") >= 200_000
                    && fanout.metric("sluice_fanout_paused") == 1);
            Duration rest = Duration.ofSeconds(30).minusNanos(System.nanoTime() - down);
            if (!rest.isNegative()) {
                await().during(rest).atMost(rest.plusSeconds(15))
                        .until(() -> fanout.isAlive() && fanout.metric("sluice_fanout_paused") == 1);
            }
            assertTrue(fanout.metric("sluice_fanout_retries_total") >= 2, fanout.log());
            tsdb.restart();
            await().atMost(Duration.ofSeconds(240)).until(() -> tsdb.count(TABLE) == 300_000);
            await().atMost(Duration.ofSeconds(30)).until(() -> fanout.metric("sluice_fanout_lag") == 0
                    && fanout.metric("sluice_fanout_paused") == 0);
            assertTrue(fanout.isAlive(), "the fan-out survived the outage within 64 MiB:\n" + fanout.log());

            // 3. kill -9 of the fan-out mid-run: offsets never ran ahead of writes, so a restart re-reads what was
            // not committed and the exact count still matches (rewrites collapse by deduplication)
            CompletableFuture<LoadReport> third = CompletableFuture.supplyAsync(() -> publish(port, "c-", 1000, 100, 128));
            await().atMost(Duration.ofSeconds(120)).until(() -> tsdb.count(TABLE) >= 320_000);
            fanout.kill();
            assertEquals(100_000, third.join().acknowledged());
            fanout.start();
            try {
                await().atMost(Duration.ofSeconds(180)).until(() -> tsdb.count(TABLE) == 400_000);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("rows " + tsdb.count(TABLE) + " of 400,000 after the restart; fan-out "
                        + (fanout.isAlive() ? "alive" : "gone") + ":\n" + fanout.log(), e);
            }
            assertEquals(0, KafkaRecords.readAll(kafka.bootstrapServers(), topic + "-deadletter", Duration.ofSeconds(30))
                    .size(), "no reading was dead-lettered");
        }
    }

    private static LoadReport publish(int port, String prefix, int devices, int messages, int payloadBytes) {
        LoadSpec spec = LoadSpec.of("127.0.0.1", port, devices, messages).withDevicePrefix(prefix)
                .withPayloadBytes(payloadBytes);
        try {
            LoadReport report = new MqttLoad(spec, new AckLedger()).run(null);
            assertEquals(0, report.failed(), report.summary());
            return report;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
