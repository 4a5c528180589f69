package io.sluice.stack;

import java.io.IOException;
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
 * A real InfluxDB 1.x server ({@code influxd} from Debian's {@code influxdb} package, 1.6.7 there) as a child process:
 * its HTTP API on a free loopback port (the v1 write API {@code /write} and InfluxQL {@code /query}), its RPC service
 * on another free loopback port, meta, data and WAL in a temporary directory that survives {@link #stop()}/
 * {@link #restart()}, usage reporting, the monitor's own database and continuous queries off. Nothing of the system's
 * InfluxDB (its service, its /var/lib/influxdb) is used or needed.
 *
 * <p>Blocking: {@link #start} waits until {@code /ping} answers 204. Thread-safe. A JVM shutdown hook kills the server.
 */
public final class InfluxDbServer implements AutoCloseable {
    /** The executable the tests need; {@link #available()} tells whether it is on the PATH. */
    public static final String INFLUXD = "influxd";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern COUNTS = Pattern.compile("\"values\":\\[\\[\"[^\"]*\",([^\\]]+)]");
    private static final Pattern ERROR = Pattern.compile("\"error\":\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final Path dir;
    private final int httpPort;
    private final int rpcPort;
    private final List<String> extraConf;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile String authorization;
    private Process process;
    private Duration lastStartTime = Duration.ZERO;

    private InfluxDbServer(Path dir, int httpPort, int rpcPort, List<String> extraConf) {
        this.dir = dir;
        this.httpPort = httpPort;
        this.rpcPort = rpcPort;
        this.extraConf = List.copyOf(extraConf);
        Runtime.getRuntime().addShutdownHook(new Thread(this::kill, "influxdb-cleanup"));
    }

    /** True when {@code influxd} is on the PATH (Debian: {@code apt-get install influxdb}). */
    public static boolean available() {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, INFLUXD))) {
                return true;
            }
        }
        return false;
    }

    /** Starts a server with fresh data on free ports and waits until it answers {@code /ping}. */
    public static InfluxDbServer start() {
        return start(List.of());
    }

    /**
     * As {@link #start()}, with further lines appended to the {@code [http]} section of the server's config (e.g.
     * {@code auth-enabled = true}).
     */
    public static InfluxDbServer start(List<String> extraHttpConf) {
        try {
            int httpPort = ChildProcesses.freePort();
            int rpcPort = ChildProcesses.freePort();
            for (int i = 0; i < 10 && rpcPort == httpPort; i++) {
                rpcPort = ChildProcesses.freePort();
            }
            InfluxDbServer server = new InfluxDbServer(Files.createTempDirectory("sluice-influxdb-"), httpPort,
                    rpcPort, extraHttpConf);
            server.startProcess();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Base URL of the HTTP API, e.g. {@code http://127.0.0.1:PORT}. */
    public String url() {
        return "http://127.0.0.1:" + httpPort;
    }

    public int httpPort() {
        return httpPort;
    }

    /** Wall time the last (re)start took until {@code /ping} answered. */
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

    /** Kills the server (SIGKILL), keeping its data and ports; the TSDB is then unreachable. */
    public synchronized void stop() {
        kill();
    }

    /** Restarts a stopped server on the same ports and data; waits until it answers. No-op when running. */
    public synchronized void restart() {
        if (!isRunning()) {
            startProcess();
        }
    }

    /** Sends these credentials with every later query and write of this harness (for a server with auth on). */
    public void credentials(String user, String password) {
        authorization = "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
    }

    /** Creates a database (no-op when it exists). */
    public void createDatabase(String database) {
        query(null, "CREATE DATABASE \"" + database + "\"");
    }

    /**
     * Points in {@code measurement} of {@code database} by InfluxQL ({@code SELECT count(*)}: the largest count of
     * any field, which is the point count when every point carries that field); 0 when there are none.
     */
    public long count(String database, String measurement) {
        return count(database, "SELECT count(*) FROM \"" + measurement + "\"", true);
    }

    /** The first count in the answer to an InfluxQL {@code SELECT count(...)} statement, 0 when it has no rows. */
    public long count(String database, String influxQl, boolean largest) {
        String json = query(database, influxQl);
        Matcher m = COUNTS.matcher(json);
        if (!m.find()) {
            if (json.contains("\"series\"")) {
                throw new IllegalStateException("no count in " + json);
            }
            return 0;
        }
        long best = 0;
        for (String v : m.group(1).split(",")) {
            long n = v.equals("null") ? 0 : Long.parseLong(v); // null: a field without values in the range
            best = largest ? Math.max(best, n) : n;
            if (!largest) {
                break;
            }
        }
        return best;
    }

    /** Runs one InfluxQL statement (POST /query, so it may change things) and returns the JSON body. */
    public String query(String database, String influxQl) {
        String form = "q=" + URLEncoder.encode(influxQl, StandardCharsets.UTF_8)
                + (database == null ? "" : "&db=" + URLEncoder.encode(database, StandardCharsets.UTF_8));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url() + "/query"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        HttpResponse<String> r = send(request, influxQl);
        Matcher e = ERROR.matcher(r.body());
        if (r.statusCode() != 200 || e.find()) {
            throw new IllegalStateException("InfluxDB refused '" + influxQl + "': HTTP " + r.statusCode() + " "
                    + r.body());
        }
        return r.body();
    }

    /** Writes lines of line protocol (nanosecond timestamps) to {@code database}; returns the HTTP status. */
    public int write(String database, String lines) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url() + "/write?precision=ns&db="
                        + URLEncoder.encode(database, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(lines));
        return send(request, "write").statusCode();
    }

    /** Kills the server and deletes its data. */
    @Override
    public void close() {
        kill();
        TempDirs.delete(dir);
    }

    /** The last lines of the server's log, for failure messages. */
    public String logTail(int lines) {
        return ChildProcesses.logTail(dir.resolve("influxd.log"), lines, "InfluxDB");
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String what) {
        String auth = authorization;
        if (auth != null) {
            request.header("Authorization", auth);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("InfluxDB at " + url() + " did not answer '" + what + "'", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private boolean ping() throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url() + "/ping")).timeout(Duration.ofSeconds(2))
                .GET().build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 204;
    }

    private synchronized void startProcess() {
        if (!available()) {
            throw new IllegalStateException(INFLUXD + " is not on the PATH (Debian: apt-get install influxdb)");
        }
        long t0 = System.nanoTime();
        try {
            Path conf = dir.resolve("influxdb.conf");
            Files.writeString(conf, config());
            process = new ProcessBuilder(INFLUXD, "-config", conf.toString()).directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("influxd.log").toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + INFLUXD + " in " + dir, e);
        }
        Process p = process;
        Wait.until("InfluxDB at " + url(), READY_TIMEOUT, () -> {
            if (!p.isAlive()) {
                throw new IllegalStateException("InfluxDB exited:\n" + logTail(40));
            }
            return ping();
        });
        lastStartTime = Duration.ofNanos(System.nanoTime() - t0);
    }

    private String config() {
        List<String> lines = new ArrayList<>(List.of(
                "reporting-disabled = true",
                "bind-address = \"127.0.0.1:" + rpcPort + "\"",
                "[meta]",
                "  dir = \"" + dir.resolve("meta") + "\"",
                "[data]",
                "  dir = \"" + dir.resolve("data") + "\"",
                "  wal-dir = \"" + dir.resolve("wal") + "\"",
                "  query-log-enabled = false",
                "[monitor]",
                "  store-enabled = false",
                "[continuous_queries]",
                "  enabled = false",
                "[logging]",
                "  level = \"warn\"",
                "  suppress-logo = true",
                "[http]",
                "  bind-address = \"127.0.0.1:" + httpPort + "\"",
                "  log-enabled = false"));
        extraConf.forEach(l -> lines.add("  " + l));
        return String.join("\n", lines) + "\n";
    }

    private synchronized void kill() {
        ChildProcesses.kill(process);
    }

}
