package io.sluice.stack;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.InfluxDBClientFactory;
import com.influxdb.client.domain.WritePrecision;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The TSDB harness itself: a real QuestDB written through the InfluxDB v2 API with the blocking client. */
class QuestDbServerTest {

    @Test
    void lineWrittenThroughV2Api_isCountedBySql_andDuplicatesCollapse() {
        try (QuestDbServer db = QuestDbServer.start()) {
            System.out.println("QuestDB start time: " + db.lastStartTime().toMillis() + " ms");
            db.createTable("climate", List.of("device"), List.of("temp DOUBLE"));
            try (InfluxDBClient client = InfluxDBClientFactory.create(db.url(), new char[0], "sluice", "sluice")) {
                client.getWriteApiBlocking().writeRecords(WritePrecision.NS, List.of(
                        "climate,device=d1 temp=21.5 1700000000000000001",
                        "climate,device=d2 temp=19.0 1700000000000000001",
                        // same series and timestamp as the first: one point, as in InfluxDB
                        "climate,device=d1 temp=21.5 1700000000000000001"));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> db.count("climate") == 2);
            assertEquals(1, db.queryLong("SELECT count() FROM climate WHERE device = 'd2' AND temp = 19.0"));
        }
    }

    @Test
    void quietLog_keepsInfoLinesOut_whileTheDefaultLogsThem() {
        for (boolean quiet : new boolean[] {false, true}) {
            try (QuestDbServer db = QuestDbServer.start(List.of(), quiet)) {
                db.createTable("climate", List.of("device"), List.of("temp DOUBLE"));
                try (InfluxDBClient client = InfluxDBClientFactory.create(db.url(), new char[0], "sluice", "sluice")) {
                    client.getWriteApiBlocking().writeRecord(WritePrecision.NS,
                            "climate,device=d1 temp=21.5 1700000000000000001");
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> db.count("climate") == 1);
                String log = db.logTail(10_000);
                assertTrue(log.contains(" A server-main"), "advisories are logged either way:\n" + log);
                // QuestDB marks each line with its level: " I " for INFO
                boolean info = log.lines().anyMatch(l -> l.matches("\\S+Z I .*"));
                if (quiet) {
                    assertFalse(info, "no INFO line when quiet:\n" + log);
                } else {
                    assertTrue(info, "INFO lines by default:\n" + log);
                }
            }
        }
    }

    @Test
    void extraConf_reachesTheServer_besideTheHarnessSettings() {
        try (QuestDbServer db = QuestDbServer.start(List.of("shared.worker.nap.threshold=50"), true)) {
            // the server's own view of its configuration (rows of name, variable, value, source, ...)
            List<String> rows = Arrays.asList(db.query("SHOW PARAMETERS").split("\\],\\["));
            String naps = rows.stream().filter(row -> row.contains("nap.threshold")).collect(Collectors.joining("\n"));
            assertTrue(naps.contains("\"shared.worker.nap.threshold\",\"QDB_SHARED_WORKER_NAP_THRESHOLD\",\"50\""),
                    naps);
            // the rest keep QuestDB's own values, and the harness's own settings are there too
            assertTrue(naps.contains("\"http.worker.nap.threshold\",\"QDB_HTTP_WORKER_NAP_THRESHOLD\",\"7000\""),
                    naps);
            assertTrue(rows.stream().anyMatch(row -> row.startsWith("\"http.worker.count\",\"QDB_HTTP_WORKER_COUNT\","
                    + "\"1\",\"conf\"")), "http.worker.count=1 from the harness");
        }
    }

    @Test
    void heapLimit_takesTheJvmSyntax_andRefusesAnythingElseBeforeStarting() {
        for (String bad : new String[] {"", "4 g", "lots", "-1g", "4gb"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> QuestDbServer.start(List.of(), true, bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
        try (QuestDbServer db = QuestDbServer.start(List.of(), true, "256m")) {
            assertEquals(0, db.queryLong("SELECT count() FROM long_sequence(0)"));
            List<String> args = List.of(ProcessHandle.of(db.pid()).orElseThrow().info().arguments().orElseThrow());
            assertTrue(args.contains("-Xmx256m"), args.toString());
        }
    }
}
