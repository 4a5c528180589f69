package io.sluice.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.UncheckedIOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The InfluxDB 1.x harness itself: a real influxd written through /write and counted by InfluxQL. */
class InfluxDbServerTest {

    @BeforeAll
    static void needsInfluxd() {
        assumeTrue(InfluxDbServer.available(), "influxd is not installed (Debian: apt-get install influxdb); CI"
                + " installs it (.ci/run)");
    }

    @Test
    void lineWrittenThroughV1Api_isCountedByInfluxQl_andTheSameSeriesAndTimeOverwrites() {
        try (InfluxDbServer db = InfluxDbServer.start()) {
            System.out.println("InfluxDB start time: " + db.lastStartTime().toMillis() + " ms");
            db.createDatabase("sensors");
            assertEquals(204, db.write("sensors", """
                    climate,device=d1 temp=21.5 1700000000000000001
                    climate,device=d2 temp=19.0 1700000000000000001
                    climate,device=d1 temp=22.5 1700000000000000001"""));
            assertEquals(2, db.count("sensors", "climate"));
            assertEquals(1, db.count("sensors", "SELECT count(temp) FROM climate WHERE temp = 22.5", false));
            assertEquals(0, db.count("sensors", "absent"));
        }
    }

    @Test
    void stoppedServer_isUnreachable_andRestartsWithItsData() {
        try (InfluxDbServer db = InfluxDbServer.start()) {
            db.createDatabase("sensors");
            assertEquals(204, db.write("sensors", "m,d=1 v=1 1700000000000000001"));
            db.stop();
            assertFalse(db.isRunning());
            assertThrows(UncheckedIOException.class, () -> db.write("sensors", "m,d=2 v=1 1700000000000000001"));
            db.restart();
            assertTrue(db.isRunning());
            assertEquals(1, db.count("sensors", "m"));
        }
    }

    @Test
    void missingDatabase_isA404_andAnInfluxQlErrorThrows() {
        try (InfluxDbServer db = InfluxDbServer.start()) {
            assertEquals(404, db.write("nowhere", "m,d=1 v=1 1700000000000000001"));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> db.query("sensors", "SELECT FROM"));
            assertTrue(e.getMessage().contains("SELECT FROM"), e.getMessage());
        }
    }
}
