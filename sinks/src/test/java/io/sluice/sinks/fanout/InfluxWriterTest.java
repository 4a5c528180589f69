package io.sluice.sinks.fanout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.influxdb.exceptions.RequestEntityTooLargeException;
import io.sluice.sinks.Point;
import io.sluice.stack.QuestDbServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import okhttp3.MediaType;
import okhttp3.ResponseBody;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import retrofit2.Response;

/** The writer against a real QuestDB (type conflicts, outage) and the 413 split rule on a body-size limit. */
class InfluxWriterTest {
    private static QuestDbServer db;

    @BeforeAll
    static void startTsdb() {
        db = QuestDbServer.start();
    }

    @AfterAll
    static void stopTsdb() {
        db.close();
    }

    private static List<MicroBatcher.Entry<Integer>> batch(String table, int n, int badAt) {
        List<MicroBatcher.Entry<Integer>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String field = i == badAt ? "temp=\"hot\"" : "temp=" + i + ".5";
            out.add(new MicroBatcher.Entry<>(i, new Point(table, table + ",device=d" + i + " " + field + " "
                    + (1_700_000_000_000_000_000L + i))));
        }
        return out;
    }

    @Test
    void fieldTypeConflict_rejectsOnlyThatPoint_andWritesTheRest() throws Exception {
        db.createTable("conflict", List.of("device"), List.of("temp DOUBLE"));
        try (InfluxWriter writer = InfluxWriter.connect(db.url(), "sluice", "sluice", new char[0],
                Duration.ofSeconds(10))) {
            InfluxWriter.Result<Integer> r = writer.write(batch("conflict", 40, 17));
            assertEquals(39, r.written());
            assertEquals(1, r.rejected().size());
            assertEquals(17, r.rejected().get(0).entry().source());
            assertEquals(400, r.rejected().get(0).status());
            assertTrue(r.rejected().get(0).message().contains("cast error"), r.rejected().get(0).message());
            // written twice is still one point per series and timestamp
            writer.write(batch("conflict", 40, 17));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("conflict") == 39);
    }

    @Test
    void stoppedTsdb_keepsTheBatch_asUnavailable() {
        QuestDbServer down = QuestDbServer.start();
        down.stop();
        try (InfluxWriter writer = InfluxWriter.connect(down.url(), "sluice", "sluice", new char[0],
                Duration.ofSeconds(2))) {
            TsdbUnavailableException e = assertThrows(TsdbUnavailableException.class,
                    () -> writer.write(batch("down", 3, -1)));
            assertEquals(0, e.status());
        } finally {
            down.close();
        }
    }

    @Test
    void tooManyRequests_keepsTheBatch_withTheServersRetryAfter() {
        InfluxWriter writer = new InfluxWriter(lines -> {
            throw new com.influxdb.exceptions.InfluxException(Response.error(ResponseBody.create("{}",
                    MediaType.get("application/json")), new okhttp3.Response.Builder().code(429).message("slow down")
                    .protocol(okhttp3.Protocol.HTTP_1_1).header("Retry-After", "7")
                    .request(new okhttp3.Request.Builder().url("http://127.0.0.1/api/v2/write").build()).build()));
        });
        TsdbUnavailableException e = assertThrows(TsdbUnavailableException.class,
                () -> writer.write(batch("slow", 5, -1)));
        assertEquals(429, e.status());
        assertEquals(Duration.ofSeconds(7), e.retryAfter());
    }

    @Test
    void tooLarge_isSplitUntilEachPartFits() throws Exception {
        List<Integer> bodies = new ArrayList<>();
        InfluxWriter writer = new InfluxWriter(lines -> {
            if (lines.size() > 4) {
                throw new RequestEntityTooLargeException(Response.error(413,
                        ResponseBody.create("{\"message\":\"too large\"}", MediaType.get("application/json"))));
            }
            bodies.add(lines.size());
        });
        InfluxWriter.Result<Integer> r = writer.write(batch("big", 20, -1));
        assertEquals(20, r.written());
        assertEquals(20, bodies.stream().mapToInt(Integer::intValue).sum());
        assertTrue(bodies.stream().allMatch(n -> n <= 4));
        assertEquals(List.of(), r.rejected());
        assertEquals(20, IntStream.of(bodies.stream().mapToInt(i -> i).toArray()).sum());
    }

    @Test
    void bisection_stopsSplitting_onceItsBudgetIsSpent_andRejectsTheRefusedPartWhole() throws Exception {
        db.createTable("budget", List.of("device"), List.of("temp DOUBLE"));
        try (InfluxWriter writer = InfluxWriter.connect(db.url(), "sluice", "sluice", new char[0],
                Duration.ofSeconds(10))) {
            List<MicroBatcher.Entry<Integer>> batch = batch("budget", 64, 5);
            InfluxWriter.Result<Integer> r = writer.write(batch, Duration.ZERO);
            assertEquals(1, r.requests(), "no bisection at all with no budget");
            assertEquals(64, r.rejected().size());
            assertTrue(r.rejected().stream().noneMatch(InfluxWriter.Rejected::isolated));
            assertTrue(r.rejected().get(0).message().contains("bisection budget"), r.rejected().get(0).message());
            InfluxWriter.Result<Integer> unbounded = writer.write(batch, Duration.ofMinutes(1));
            assertEquals(1, unbounded.rejected().size());
            assertTrue(unbounded.rejected().get(0).isolated());
        }
    }
}
