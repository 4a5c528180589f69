package io.sluice.sim.bench;

import io.sluice.sinks.FanoutConfig;
import io.sluice.stack.InfluxDbServer;
import io.sluice.stack.QuestDbServer;
import java.util.List;

/**
 * The TSDB {@code bench-fanout} writes to: QuestDB through the v2 write API, or InfluxDB 1.x through the v1 write API
 * (database {@value BenchLines#DATABASE}), each a real server the benchmark started. Tables are measurements.
 */
interface BenchTsdb extends AutoCloseable {
    /** The name printed in the report. */
    String name();

    /** What the benchmark's own writers are told to write to ({@link BenchLines#open}). */
    String target();

    long pid();

    /** Makes {@code table} ready for points of device, temp and hum. */
    void createTable(String table);

    /** Points in {@code table} now. */
    long count(String table);

    /** The fan-out's settings to write here. */
    FanoutConfig writeHere(FanoutConfig config);

    @Override
    void close();

    static BenchTsdb questDb(QuestDbServer db) {
        return new BenchTsdb() {
            public String name() {
                return "QuestDB";
            }

            public String target() {
                return db.url();
            }

            public long pid() {
                return db.pid();
            }

            public void createTable(String table) {
                db.createTable(table, List.of("device"), List.of("temp DOUBLE", "hum DOUBLE"));
            }

            public long count(String table) {
                return db.count(table);
            }

            public FanoutConfig writeHere(FanoutConfig config) {
                return config;
            }

            public void close() {
                db.close();
            }
        };
    }

    static BenchTsdb influxDb(InfluxDbServer db) {
        db.createDatabase(BenchLines.DATABASE);
        return new BenchTsdb() {
            public String name() {
                return "InfluxDB";
            }

            public String target() {
                return BenchLines.V1 + db.url();
            }

            public long pid() {
                return db.pid();
            }

            public void createTable(String table) {
                // InfluxDB makes a measurement on its first point
            }

            public long count(String table) {
                return db.count(BenchLines.DATABASE, "SELECT count(temp) FROM \"" + table + "\"", false);
            }

            public FanoutConfig writeHere(FanoutConfig config) {
                return config.withInfluxV1(new FanoutConfig.InfluxV1(BenchLines.DATABASE, "", "", ""));
            }

            public void close() {
                db.close();
            }
        };
    }
}
