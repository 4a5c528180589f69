package io.sluice.sinks.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sinks.FanoutConfig;
import io.sluice.sinks.Point;
import io.sluice.stack.InfluxDbServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The writer through InfluxDB 1.x's v1 write API against a real InfluxDB (Debian's influxd, 1.6.7): partial writes
 * dead-letter only the points the server dropped without writing the rest again, a missing database and refused
 * credentials keep the batch (pause, never dead-letter), an outage keeps it too.
 */
class InfluxV1WriterTest {
    private static final long T0 = 1_700_000_000_000_000_000L; // 2023-11-14T22:13:20Z: the batches stay in one hour
    private static InfluxDbServer db;

    @BeforeAll
    static void startTsdb() {
        db = TestInfluxDb.startWith("sensors");
    }

    @AfterAll
    static void stopTsdb() {
        if (db != null) {
            db.close();
        }
    }

    private static InfluxWriter writer(InfluxDbServer server, FanoutConfig.InfluxV1 v1) {
        return InfluxWriter.connectV1(server.url(), v1, Duration.ofSeconds(10));
    }

    private static FanoutConfig.InfluxV1 sensors() {
        return new FanoutConfig.InfluxV1("sensors", "", "", "");
    }

    /** {@code n} points of {@code m}, field temp a float but where {@code bad} gives another value. */
    private static List<MicroBatcher.Entry<Integer>> batch(String m, int n, Map<Integer, String> bad) {
        List<MicroBatcher.Entry<Integer>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String value = bad.getOrDefault(i, i + ".5");
            out.add(new MicroBatcher.Entry<>(i, new Point(m, m + ",device=d" + i + " temp=" + value + " " + (T0 + i))));
        }
        return out;
    }

    @Test
    void fieldTypeConflict_deadLettersThatPoint_withTheServersMessage_andWritesTheRestOnce() throws Exception {
        assertEquals(204, db.write("sensors", "conflict,device=seed temp=1.5 " + T0));
        try (InfluxWriter writer = writer(db, sensors())) {
            InfluxWriter.Result<Integer> r = writer.write(batch("conflict", 40, Map.of(17, "\"hot\"")));
            assertEquals(39, r.written());
            assertEquals(1, r.rejected().size());
            InfluxWriter.Rejected<Integer> bad = r.rejected().get(0);
            assertEquals(17, bad.entry().source());
            assertEquals(400, bad.status());
            assertTrue(bad.isolated());
            assertTrue(bad.message().contains("field type conflict: input field \"temp\" on measurement \"conflict\""
                    + " is type string, already exists as type float"), bad.message());
            assertEquals(1, r.requests(), "the partial write named its dropped point: the rest is not written again");
        }
        assertEquals(40, db.count("sensors", "conflict")); // the seed and 39
    }

    @Test
    void twoConflictsInOneBody_theSecondHiddenBehindTheFirst_areBothFound_withOneMoreRequest() throws Exception {
        assertEquals(204, db.write("sensors", "conflict2,device=seed temp=1.5 " + T0));
        try (InfluxWriter writer = writer(db, sensors())) {
            InfluxWriter.Result<Integer> r = writer.write(batch("conflict2", 30, Map.of(4, "\"hot\"", 20, "true")));
            assertEquals(28, r.written());
            assertEquals(List.of(4, 20), r.rejected().stream().map(x -> x.entry().source()).sorted().toList());
            assertTrue(r.rejected().stream().anyMatch(x -> x.message().contains("is type boolean")), r.toString());
            assertEquals(2, r.requests(), "InfluxDB names only the first conflict and counts dropped=2");
        }
        assertEquals(29, db.count("sensors", "conflict2"));
    }

    @Test
    void lineTheServerCannotParse_besideATypeConflict_isFoundToo_notDroppedUnnamed() throws Exception {
        assertEquals(204, db.write("sensors", "hidden,device=seed temp=1.5 " + T0));
        List<MicroBatcher.Entry<Integer>> batch = batch("hidden", 20, Map.of(5, "\"hot\""));
        // a timestamp past what InfluxDB takes: the conflict answer names the conflict only, but its dropped=N counts
        // more than it names, so the rest is written again and a later answer names this line
        batch.set(12, new MicroBatcher.Entry<>(12, new Point("hidden", "hidden,device=d12 temp=1 99999999999999999999")));
        try (InfluxWriter writer = writer(db, sensors())) {
            InfluxWriter.Result<Integer> r = writer.write(batch);
            assertEquals(18, r.written());
            assertEquals(List.of(5, 12), r.rejected().stream().map(x -> x.entry().source()).sorted().toList());
            assertTrue(r.rejected().stream().anyMatch(x -> x.message().startsWith("unable to parse 'hidden,device=d12")),
                    r.toString());
        }
        assertEquals(19, db.count("sensors", "hidden")); // the seed and 18
    }

    @Test
    void lineTheServerCannotParse_isDeadLettered_andTheRestIsWrittenOnce() throws Exception {
        List<MicroBatcher.Entry<Integer>> batch = batch("parse", 10, Map.of());
        // a timestamp past what InfluxDB takes: no syntax error Sluice's own check would catch
        batch.set(3, new MicroBatcher.Entry<>(3, new Point("parse", "parse,device=d3 temp=1 99999999999999999999")));
        try (InfluxWriter writer = writer(db, sensors())) {
            InfluxWriter.Result<Integer> r = writer.write(batch);
            assertEquals(9, r.written());
            assertEquals(1, r.rejected().size());
            assertEquals(3, r.rejected().get(0).entry().source());
            assertTrue(r.rejected().get(0).message().startsWith("unable to parse 'parse,device=d3 temp=1"),
                    r.rejected().get(0).message());
            assertEquals(1, r.requests());
        }
        assertEquals(9, db.count("sensors", "parse"));
    }

    @Test
    void missingDatabase_keepsTheBatch_asUnavailable_andDeadLettersNothing() {
        try (InfluxWriter writer = writer(db, new FanoutConfig.InfluxV1("nowhere", "", "", ""))) {
            TsdbUnavailableException e = assertThrows(TsdbUnavailableException.class,
                    () -> writer.write(batch("lost", 5, Map.of())));
            assertEquals(404, e.status());
            assertTrue(e.getMessage().contains("database not found"), e.getMessage());
        }
    }

    @Test
    void retentionPolicy_isWhereThePointsGo() throws Exception {
        db.query("sensors", "CREATE RETENTION POLICY week ON sensors DURATION 7d REPLICATION 1");
        long now = System.currentTimeMillis() * 1_000_000L;
        List<MicroBatcher.Entry<Integer>> batch = List.of(
                new MicroBatcher.Entry<>(0, new Point("kept", "kept,device=a temp=1 " + now)));
        try (InfluxWriter writer = writer(db, new FanoutConfig.InfluxV1("sensors", "week", "", ""))) {
            assertEquals(1, writer.write(batch).written());
        }
        assertEquals(1, db.count("sensors", "SELECT count(temp) FROM \"week\".\"kept\"", false));
        assertEquals(0, db.count("sensors", "kept"), "nothing in the default retention policy");
    }

    @Test
    void stoppedTsdb_keepsTheBatch_asUnavailable() {
        try (InfluxDbServer down = InfluxDbServer.start()) {
            down.stop();
            try (InfluxWriter writer = InfluxWriter.connectV1(down.url(), sensors(), Duration.ofSeconds(2))) {
                TsdbUnavailableException e = assertThrows(TsdbUnavailableException.class,
                        () -> writer.write(batch("down", 3, Map.of())));
                assertEquals(0, e.status());
            }
        }
    }

    @Test
    void credentials_areRequiredWhenAuthIsOn_refusedOnesPause_rightOnesWrite() throws Exception {
        try (InfluxDbServer secured = InfluxDbServer.start(List.of("auth-enabled = true"))) {
            // with no user yet, InfluxDB 1.x lets the first admin be created without credentials
            secured.query(null, "CREATE USER root WITH PASSWORD 'r00t-pw' WITH ALL PRIVILEGES");
            FanoutConfig.InfluxV1 root = new FanoutConfig.InfluxV1("sensors", "", "root", "r00t-pw");
            try (InfluxWriter none = writer(secured, sensors());
                 InfluxWriter wrong = writer(secured, new FanoutConfig.InfluxV1("sensors", "", "root", "guess"));
                 InfluxWriter right = writer(secured, root)) {
                assertEquals(401, assertThrows(TsdbUnavailableException.class,
                        () -> none.write(batch("auth", 3, Map.of()))).status());
                assertEquals(401, assertThrows(TsdbUnavailableException.class,
                        () -> wrong.write(batch("auth", 3, Map.of()))).status());
                // the database is missing until root creates it: 404 as well, then the write goes through
                assertEquals(404, assertThrows(TsdbUnavailableException.class,
                        () -> right.write(batch("auth", 3, Map.of()))).status());
                secured.credentials("root", "r00t-pw");
                secured.createDatabase("sensors");
                secured.query(null, "CREATE USER reader WITH PASSWORD 'read-pw'");
                secured.query(null, "GRANT READ ON sensors TO reader");
                try (InfluxWriter reader = writer(secured, new FanoutConfig.InfluxV1("sensors", "", "reader",
                        "read-pw"))) {
                    assertEquals(403, assertThrows(TsdbUnavailableException.class,
                            () -> reader.write(batch("auth", 3, Map.of()))).status());
                }
                assertEquals(3, right.write(batch("auth", 3, Map.of())).written());
                assertEquals(3, secured.count("sensors", "auth"));
            }
        }
    }
}
