package io.sluice.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real QuestDB server (org.questdb:questdb) as a child JVM: one HTTP port on loopback serving the InfluxDB v2
 * write API ({@code /api/v2/write}) and SQL ({@code /exec}); PostgreSQL wire, ILP/TCP, ILP/UDP and the min HTTP
 * server are off. Data lives in a temporary directory that survives {@link #stop()}/{@link #start()}, so a test can
 * take the TSDB away and bring it back with its data.
 *
 * <p>Blocking: {@link #start} waits until {@code /exec} answers. Thread-safe. A JVM shutdown hook kills the server.
 */
public final class QuestDbServer implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final Pattern SINGLE_LONG = Pattern.compile("\"dataset\":\\[\\[(-?\\d+)]]");
    private static QuestDbServer shared;

    private final Path dir;
    private final int httpPort;
    private final List<String> extraConf;
    private final boolean quietLog;
    private final String maxHeap;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process process;
    private Duration lastStartTime = Duration.ZERO;

    private QuestDbServer(Path dir, int httpPort, List<String> extraConf, boolean quietLog, String maxHeap) {
        this.dir = dir;
        this.httpPort = httpPort;
        this.extraConf = List.copyOf(extraConf);
        this.quietLog = quietLog;
        this.maxHeap = maxHeap;
        Runtime.getRuntime().addShutdownHook(new Thread(this::kill, "questdb-cleanup"));
    }

    /** Starts a server with fresh data on a free port and waits until it answers SQL. */
    public static QuestDbServer start() {
        return start(List.of());
    }

    /**
     * As {@link #start()}, with further {@code key=value} lines for QuestDB's server.conf (e.g. worker settings for a
     * benchmark); a later line overrides an earlier one with the same key.
     */
    public static QuestDbServer start(List<String> extraConf) {
        return start(extraConf, false);
    }

    /**
     * As {@link #start(List)}; with {@code quietLog} QuestDB logs advisories, errors and critical messages only
     * (at its default INFO level it logs about five lines per write it applies, for a benchmark a cost of its own).
     */
    public static QuestDbServer start(List<String> extraConf, boolean quietLog) {
        return start(extraConf, quietLog, DEFAULT_MAX_HEAP);
    }

    /** The server's JVM heap limit unless told otherwise: ample for tests and for benchmarks of a few 10,000 series. */
    public static final String DEFAULT_MAX_HEAP = "768m";

    /**
     * As {@link #start(List, boolean)}, with the server JVM's heap limit ({@code -Xmx} syntax, e.g. {@code 4g}): a
     * table of a million distinct tag values needs more than the default.
     */
    public static QuestDbServer start(List<String> extraConf, boolean quietLog, String maxHeap) {
        if (!maxHeap.matches("[0-9]+[kmgKMG]?")) {
            throw new IllegalArgumentException("heap size '" + maxHeap + "' is not like 768m or 4g");
        }
        try {
            QuestDbServer server = new QuestDbServer(Files.createTempDirectory("sluice-questdb-"), ChildProcesses.freePort(),
                    extraConf, quietLog, maxHeap);
            server.startProcess();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One server shared by every caller in this JVM (for tests that never stop it); {@link #close()} does nothing. */
    public static synchronized QuestDbServer shared() {
        if (shared == null) {
            shared = start();
        }
        return shared;
    }

    /** Base URL for the InfluxDB client, e.g. {@code http://127.0.0.1:PORT}. */
    public String url() {
        return "http://127.0.0.1:" + httpPort;
    }

    public int httpPort() {
        return httpPort;
    }

    /** Wall time the last (re)start took until {@code /exec} answered. */
    public synchronized Duration lastStartTime() {
        return lastStartTime;
    }

    /** The server process's pid (for CPU accounting), or -1 when it is not running. */
    public synchronized long pid() {
        return process != null && process.isAlive() ? process.pid() : -1;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Kills the server (SIGKILL), keeping its data and port; the TSDB is then unreachable. */
    public synchronized void stop() {
        kill();
    }

    /** Restarts a stopped server on the same port and data; waits until it answers. No-op when running. */
    public synchronized void restart() {
        if (!isRunning()) {
            startProcess();
        }
    }

    /**
     * Creates a WAL table shaped like an InfluxDB measurement: tags as SYMBOL, the given fields, a designated
     * {@code timestamp} column of type TIMESTAMP_NS, and {@code DEDUP UPSERT KEYS(timestamp, tags...)} so that the same
     * series and timestamp written twice is one row, as in InfluxDB.
     *
     * @param fields column definitions such as {@code "value DOUBLE"}
     */
    public void createTable(String table, List<String> tags, List<String> fields) {
        List<String> cols = new ArrayList<>();
        tags.forEach(t -> cols.add(t + " SYMBOL"));
        cols.addAll(fields);
        cols.add("timestamp TIMESTAMP_NS");
        List<String> keys = new ArrayList<>();
        keys.add("timestamp");
        keys.addAll(tags);
        exec("CREATE TABLE IF NOT EXISTS " + table + " (" + String.join(", ", cols) + ") TIMESTAMP(timestamp)"
                + " PARTITION BY DAY WAL DEDUP UPSERT KEYS(" + String.join(", ", keys) + ")");
    }

    /** Row count of {@code table}, or 0 when it does not exist yet (rows appear asynchronously: poll). */
    public long count(String table) {
        String json = query("SELECT count() FROM " + table);
        if (json.contains("table does not exist")) {
            return 0;
        }
        return singleLong(json);
    }

    /**
     * The WAL state of {@code table} as QuestDB reports it (suspended, writer and sequencer transactions), for
     * failure messages: rows acknowledged to a writer but not yet applied are not counted by {@link #count}.
     */
    public String walStatus(String table) {
        try {
            String json = query("SELECT * FROM wal_tables() WHERE name = '" + table.replace("'", "''") + "'");
            int at = json.indexOf("\"dataset\"");
            return at < 0 ? json : json.substring(at);
        } catch (RuntimeException e) {
            return "wal_tables() failed: " + e;
        }
    }

    /** Runs one SQL statement and returns the JSON body; throws if QuestDB reports an error. */
    public String exec(String sql) {
        String json = query(sql);
        if (json.startsWith("{\"query\"") && json.contains("\"error\"")) {
            throw new IllegalStateException("QuestDB rejected '" + sql + "': " + json);
        }
        return json;
    }

    /** Runs a query that yields one LONG (e.g. {@code SELECT count() FROM t WHERE ...}). */
    public long queryLong(String sql) {
        return singleLong(exec(sql));
    }

    /** Kills the server and deletes its data. No-op for {@link #shared()}. */
    @Override
    public void close() {
        if (this == shared) {
            return;
        }
        kill();
        TempDirs.delete(dir);
    }

    /** The last lines of the server's log, for failure messages. */
    public String logTail(int lines) {
        return ChildProcesses.logTail(dir.resolve("questdb.log"), lines, "QuestDB");
    }

    /** The JSON answer of QuestDB's /exec endpoint to {@code sql}. */
    String query(String sql) {
        URI uri = URI.create(url() + "/exec?query=" + URLEncoder.encode(sql, StandardCharsets.UTF_8));
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException("QuestDB at " + url() + " did not answer '" + sql + "'", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static long singleLong(String json) {
        Matcher m = SINGLE_LONG.matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("expected one LONG in " + json);
        }
        return Long.parseLong(m.group(1));
    }

    private synchronized void startProcess() {
        long t0 = System.nanoTime();
        try {
            Files.createDirectories(dir.resolve("conf"));
            Files.writeString(dir.resolve("conf/server.conf"), serverConf());
            String levels = quietLog ? "ADVISORY,ERROR,CRITICAL" : "INFO,ADVISORY,ERROR,CRITICAL";
            Files.writeString(dir.resolve("conf/log.conf"), String.join("\n", "writers=stdout",
                    "w.stdout.class=io.questdb.log.LogConsoleWriter", "w.stdout.level=" + levels) + "\n");
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(List.of("-Xms128m", "-Xmx" + maxHeap, "-XX:+UseG1GC", "-Djava.awt.headless=true",
                    "--enable-native-access=ALL-UNNAMED", "-cp", Classpath.get(), "io.questdb.ServerMain",
                    "-d", dir.toString()));
            process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("questdb.log").toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start QuestDB in " + dir, e);
        }
        Process p = process;
        Wait.until("QuestDB at " + url(), READY_TIMEOUT, () -> {
            if (!p.isAlive()) {
                throw new IllegalStateException("QuestDB exited:\n" + logTail(40));
            }
            return query("SELECT 1").contains("\"dataset\"");
        });
        lastStartTime = Duration.ofNanos(System.nanoTime() - t0);
    }

    private String serverConf() {
        List<String> lines = new ArrayList<>(List.of(
                "http.bind.to=127.0.0.1:" + httpPort,
                "http.min.enabled=false",
                "pg.enabled=false",
                "line.tcp.enabled=false",
                "line.udp.enabled=false",
                "telemetry.enabled=false",
                // two shared cores here: keep QuestDB's worker pools small
                "shared.worker.count=2",
                "http.worker.count=1"));
        // QuestDB's idle workers spin 7,000 loops before they nap: they take CPU from whatever shares the machine,
        // but napping sooner (e.g. shared/http/wal.apply.worker.nap.threshold=50) also slows a writer that waits on
        // each answer (bench-fanout's plain writer by about 15%), so the harness keeps QuestDB's own behaviour
        lines.addAll(extraConf);
        return String.join("\n", lines) + "\n";
    }

    private synchronized void kill() {
        ChildProcesses.kill(process);
    }


    /** QuestDB's classpath, recorded by this module's build. */
    private static final class Classpath {
        private static String value;

        static synchronized String get() {
            if (value == null) {
                String resource = "/io/sluice/stack/questdb.classpath";
                try (InputStream in = QuestDbServer.class.getResourceAsStream(resource)) {
                    if (in == null) {
                        throw new IllegalStateException(resource + " is missing: build simulator/stack first");
                    }
                    value = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return value;
        }
    }
}
