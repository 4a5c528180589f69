package io.sluice.daemon.admin;

import io.micrometer.core.instrument.FunctionCounter;
import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.admin.AdminHttp.Request;
import io.sluice.daemon.admin.AdminHttp.Response;
import io.sluice.ingest.EventCounters;
import io.sluice.mqtt.SessionInfo;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin endpoint ({@link AdminHttp} on admin.host:admin.port). Unauthenticated: GET /health, /ready, /metrics.
 * With "Authorization: Bearer TOKEN": GET /status, GET /sessions[?limit=N], GET /sessions/ID,
 * POST /sessions/ID/kick, POST /drain. Add "?format=text" for what people read; JSON otherwise.
 * Requests are served concurrently, each on a thread of its own (never an event loop), within the bounds of
 * admin.max_connections, admin.request_timeout_ms and admin.max_request_bytes; refusals are counted as
 * {@code sluice_admin_refusals_total{reason}}.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    private final SluiceDaemon daemon;
    private final String token;
    private final Metrics metrics;
    private final Instant startedAt = Instant.now();
    private volatile AdminHttp server;
    /** Kafka reachability, refreshed in the background so /ready answers at once. */
    private volatile boolean kafkaReachable = true;
    private final java.util.concurrent.ScheduledExecutorService prober =
            Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "sluice-admin-kafka-probe");
                t.setDaemon(true);
                return t;
            });

    private AdminServer(SluiceDaemon daemon, String token) {
        this.daemon = daemon;
        this.token = token;
        this.metrics = new Metrics(daemon);
    }

    /** Binds and serves. Blocking only for the bind. */
    public static AdminServer start(SluiceDaemon daemon) {
        var c = daemon.config().admin();
        String token = AdminToken.loadOrCreate(Path.of(c.tokenFile()));
        AdminServer admin = new AdminServer(daemon, token);
        admin.server = AdminHttp.start(c.host(), c.port(),
                new AdminHttp.Limits(c.requestTimeoutMs(), c.maxRequestBytes(), c.maxConnections()), admin::handle);
        admin.prober.scheduleWithFixedDelay(() -> admin.kafkaReachable =
                daemon.topics().health(Duration.ofSeconds(3)).healthy(), 0, 5, java.util.concurrent.TimeUnit.SECONDS);
        LOG.info("Admin endpoint on http://{}:{} (token in {})", c.host(), admin.port(), c.tokenFile());
        return admin;
    }

    public int port() {
        return server.port();
    }

    private Response handle(Request request) {
        String path = request.uri().getPath();
        String method = request.method();
        String query = request.uri().getQuery();
        boolean text = query != null && java.util.Arrays.asList(query.split("&")).contains("format=text");
        return switch (path == null ? "" : path) {
            case "/health" -> reply(200, "text/plain", "ok\n");
            case "/ready" -> {
                // ready: sessions loaded and listening (state READY), and Kafka answered within the last probe
                boolean ready = daemon.state() == SluiceDaemon.State.READY && kafkaReachable;
                String why = daemon.state() != SluiceDaemon.State.READY ? daemon.state().name().toLowerCase()
                        : kafkaReachable ? "ready" : "kafka unreachable";
                yield reply(ready ? 200 : 503, "text/plain", why + "\n");
            }
            case "/metrics" -> {
                AdminHttp http = server;
                if (http != null) {
                    registerRefusals(http.events());
                }
                yield reply(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
            }
            default -> authorized(request) ? routeAdmin(request, method, path, text)
                    : reply(401, "application/json", Json.of(Map.of("error", "missing or wrong admin token")) + "\n");
        };
    }

    /** The endpoint's own refusals as counters by reason (registered when first seen, as Metrics does). */
    private void registerRefusals(EventCounters events) {
        for (String reason : events.events().keySet()) {
            FunctionCounter.builder("sluice.admin.refusals", events, e -> e.event(reason))
                    .description("admin connections refused or closed: too many, too slow, too large, malformed")
                    .tag("reason", reason).register(daemon.registry());
        }
    }

    private Response routeAdmin(Request request, String method, String path, boolean text) {
        if (method.equals("GET") && path.equals("/status")) {
            Map<String, Object> doc = StatusReport.status(daemon, startedAt);
            return send(200, doc, text ? StatusReport.text(doc) : null);
        } else if (!daemon.ingests() && (path.startsWith("/sessions") || path.equals("/drain"))) {
            return send(409, Map.of("error", "this node runs the fan-out only (sluice fanout): no MQTT sessions here"),
                    text ? "this node runs the fan-out only (sluice fanout): no MQTT sessions here\n" : null);
        } else if (method.equals("GET") && path.equals("/sessions")) {
            int limit = limit(request.uri().getQuery());
            List<SessionInfo> list = daemon.mqtt().sessionInfos(limit);
            return send(200, Map.of("sessions", list.stream().map(StatusReport::session).toList()),
                    text ? StatusReport.sessionsTable(list) : null);
        } else if (path.startsWith("/sessions/")) {
            String rest = path.substring("/sessions/".length());
            boolean kick = rest.endsWith("/kick");
            String id = URLDecoder.decode(kick ? rest.substring(0, rest.length() - 5) : rest, StandardCharsets.UTF_8);
            if (kick && method.equals("POST")) {
                boolean closed = daemon.mqtt().kick(id);
                return send(closed ? 200 : 404, Map.of("client_id", id, "kicked", closed),
                        text ? (closed ? "kicked " + id + "\n" : id + " is not connected to this node\n") : null);
            } else if (!kick && method.equals("GET")) {
                SessionInfo info = daemon.mqtt().sessionInfo(id);
                if (info == null) {
                    return send(404, Map.of("error", "no session " + id), text ? "no session " + id + "\n" : null);
                }
                Map<String, Object> doc = StatusReport.session(info);
                return send(200, doc, text ? StatusReport.text(doc) : null);
            } else {
                return reply(405, "text/plain", "method not allowed\n");
            }
        } else if (method.equals("POST") && path.equals("/drain")) {
            SluiceDaemon.DrainReport r = daemon.drain(Duration.ofMillis(daemon.config().shutdown().drainTimeoutMs()));
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("accepting", false);
            doc.put("drained", r.drained());
            doc.put("inflight_messages_left", r.inflightLeft());
            doc.put("connections_to_end", r.connectionsToEnd());
            doc.put("connections_ended", r.connectionsEnded());
            doc.put("connections_open", r.connectionsOpen());
            doc.put("complete", r.complete());
            doc.put("stopped_reading", String.join(",", r.stoppedReading()));
            return send(200, doc, text ? StatusReport.drainSummary(r, daemon.config()) + StatusReport.text(doc) : null);
        } else {
            return reply(404, "text/plain", "no such admin route: " + method + " " + path + "\n");
        }
    }

    private boolean authorized(Request request) {
        String header = request.header("Authorization");
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

    private static Response send(int code, Map<String, Object> doc, String text) {
        return text != null ? reply(code, "text/plain; charset=utf-8", text)
                : reply(code, "application/json", Json.of(doc) + "\n");
    }

    private static Response reply(int code, String type, String body) {
        return Response.of(code, type, body);
    }

    @Override
    public void close() {
        prober.shutdownNow();
        server.close();
    }
}
