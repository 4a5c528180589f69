package io.sluice.daemon.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sluice.daemon.SluiceDaemon;
import io.sluice.mqtt.SessionInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin endpoint (JDK HTTP server on admin.host:admin.port). Unauthenticated: GET /health, /ready, /metrics.
 * With "Authorization: Bearer TOKEN": GET /status, GET /sessions[?limit=N], GET /sessions/ID,
 * POST /sessions/ID/kick, POST /drain. Add "?format=text" for what people read; JSON otherwise.
 * Handlers run on a small pool of their own threads, never on an event loop.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    private final SluiceDaemon daemon;
    private final String token;
    private final Metrics metrics;
    private final Instant startedAt = Instant.now();
    private final HttpServer server;
    /** Kafka reachability, refreshed in the background so /ready answers at once. */
    private volatile boolean kafkaReachable = true;
    private final java.util.concurrent.ScheduledExecutorService prober =
            Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "sluice-admin-kafka-probe");
                t.setDaemon(true);
                return t;
            });
    private final ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "sluice-admin");
        t.setDaemon(true);
        return t;
    });

    private AdminServer(SluiceDaemon daemon, String token, HttpServer server) {
        this.daemon = daemon;
        this.token = token;
        this.server = server;
        this.metrics = new Metrics(daemon);
    }

    /** Binds and serves. Blocking only for the bind. */
    public static AdminServer start(SluiceDaemon daemon) {
        var c = daemon.config().admin();
        String token = AdminToken.loadOrCreate(Path.of(c.tokenFile()));
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(c.host(), c.port()), 64);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for admin on " + c.host() + ":" + c.port() + " (admin.port): "
                    + e.getMessage(), e);
        }
        AdminServer admin = new AdminServer(daemon, token, http);
        http.createContext("/", admin::handle);
        http.setExecutor(admin.pool);
        http.start();
        admin.prober.scheduleWithFixedDelay(() -> admin.kafkaReachable =
                daemon.topics().health(Duration.ofSeconds(3)).healthy(), 0, 5, java.util.concurrent.TimeUnit.SECONDS);
        LOG.info("Admin endpoint on http://{}:{} (token in {})", c.host(), admin.port(), c.tokenFile());
        return admin;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            String query = ex.getRequestURI().getQuery();
            boolean text = query != null && java.util.Arrays.asList(query.split("&")).contains("format=text");
            switch (path) {
                case "/health" -> reply(ex, 200, "text/plain", "ok\n");
                case "/ready" -> {
                    // ready: sessions loaded and listening (state READY), and Kafka answered within the last probe
                    boolean ready = daemon.state() == SluiceDaemon.State.READY && kafkaReachable;
                    String why = daemon.state() != SluiceDaemon.State.READY ? daemon.state().name().toLowerCase()
                            : kafkaReachable ? "ready" : "kafka unreachable";
                    reply(ex, ready ? 200 : 503, "text/plain", why + "\n");
                }
                case "/metrics" -> reply(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
                default -> {
                    if (!authorized(ex)) {
                        reply(ex, 401, "application/json", Json.of(Map.of("error", "missing or wrong admin token")) + "\n");
                        return;
                    }
                    routeAdmin(ex, method, path, text);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Admin request {} failed: {}", ex.getRequestURI(), e.toString());
            reply(ex, 500, "application/json", Json.of(Map.of("error", String.valueOf(e.getMessage()))) + "\n");
        }
    }

    private void routeAdmin(HttpExchange ex, String method, String path, boolean text) throws IOException {
        if (method.equals("GET") && path.equals("/status")) {
            Map<String, Object> doc = StatusReport.status(daemon, startedAt);
            send(ex, 200, doc, text ? StatusReport.text(doc) : null);
        } else if (!daemon.ingests() && (path.startsWith("/sessions") || path.equals("/drain"))) {
            send(ex, 409, Map.of("error", "this node runs the fan-out only (sluice fanout): no MQTT sessions here"),
                    text ? "this node runs the fan-out only (sluice fanout): no MQTT sessions here\n" : null);
        } else if (method.equals("GET") && path.equals("/sessions")) {
            int limit = limit(ex.getRequestURI().getQuery());
            List<SessionInfo> list = daemon.mqtt().sessionInfos(limit);
            send(ex, 200, Map.of("sessions", list.stream().map(StatusReport::session).toList()),
                    text ? StatusReport.sessionsTable(list) : null);
        } else if (path.startsWith("/sessions/")) {
            String rest = path.substring("/sessions/".length());
            boolean kick = rest.endsWith("/kick");
            String id = URLDecoder.decode(kick ? rest.substring(0, rest.length() - 5) : rest, StandardCharsets.UTF_8);
            if (kick && method.equals("POST")) {
                boolean closed = daemon.mqtt().kick(id);
                send(ex, closed ? 200 : 404, Map.of("client_id", id, "kicked", closed),
                        text ? (closed ? "kicked " + id + "\n" : id + " is not connected to this node\n") : null);
            } else if (!kick && method.equals("GET")) {
                SessionInfo info = daemon.mqtt().sessionInfo(id);
                if (info == null) {
                    send(ex, 404, Map.of("error", "no session " + id), text ? "no session " + id + "\n" : null);
                } else {
                    Map<String, Object> doc = StatusReport.session(info);
                    send(ex, 200, doc, text ? StatusReport.text(doc) : null);
                }
            } else {
                reply(ex, 405, "text/plain", "method not allowed\n");
            }
        } else if (method.equals("POST") && path.equals("/drain")) {
            SluiceDaemon.DrainReport r = daemon.drain(Duration.ofMillis(daemon.config().shutdown().drainTimeoutMs()));
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("accepting", false);
            doc.put("drained", r.drained());
            doc.put("inflight_messages_left", r.inflightLeft());
            doc.put("connections_open", r.connectionsOpen());
            send(ex, 200, doc, text ? StatusReport.text(doc) : null);
        } else {
            reply(ex, 404, "text/plain", "no such admin route: " + method + " " + path + "\n");
        }
    }

    private boolean authorized(HttpExchange ex) {
        String header = ex.getRequestHeaders().getFirst("Authorization");
        return header != null && header.startsWith("Bearer ") && AdminToken.matches(token, header.substring(7).trim());
    }

    private static int limit(String query) {
        if (query != null) {
            for (String part : query.split("&")) {
                if (part.startsWith("limit=")) {
                    try {
                        return Math.max(1, Integer.parseInt(part.substring(6)));
                    } catch (NumberFormatException ignored) {
                        // fall through to the default
                    }
                }
            }
        }
        return 1000;
    }

    private static void send(HttpExchange ex, int code, Map<String, Object> doc, String text) throws IOException {
        if (text != null) {
            reply(ex, code, "text/plain; charset=utf-8", text);
        } else {
            reply(ex, code, "application/json", Json.of(doc) + "\n");
        }
    }

    private static void reply(HttpExchange ex, int code, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        prober.shutdownNow();
        server.stop(0);
        pool.shutdownNow();
    }
}
