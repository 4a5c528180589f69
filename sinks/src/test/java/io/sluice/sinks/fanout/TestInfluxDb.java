package io.sluice.sinks.fanout;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sluice.stack.InfluxDbServer;

/** A real InfluxDB 1.x for a test class, or the class skipped with the reason when influxd is not installed. */
final class TestInfluxDb {
    private TestInfluxDb() {
    }

    /** Starts a server with {@code database} created; skips the calling test class when influxd is absent. */
    static InfluxDbServer startWith(String database) {
        assumeTrue(InfluxDbServer.available(), "influxd is not installed (Debian: apt-get install influxdb); CI"
                + " installs it (.ci/run)");
        InfluxDbServer db = InfluxDbServer.start();
        db.createDatabase(database);
        return db;
    }
}
