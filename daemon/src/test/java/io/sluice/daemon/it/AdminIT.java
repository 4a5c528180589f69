package io.sluice.daemon.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.cli.CliRun;
import io.sluice.daemon.config.ConfigLoader;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin endpoint and the sluice commands that use it, against a running daemon. */
class AdminIT {
    /** Long enough that the probes answer well before it even on a loaded machine. */
    private static final int REQUEST_TIMEOUT_MS = 20_000;
    private static final int MAX_CONNECTIONS = 16;
    @TempDir
    Path dir;
    private Path configFile;
    private SluiceDaemon daemon;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        configFile = dir.resolve("sluice.yaml");
        Files.writeString(configFile, TestKafka.shared().daemonYaml("admin", 0)
                .replace("admin:\n", "admin:\n  request_timeout_ms: " + REQUEST_TIMEOUT_MS + "\n  max_connections: "
                        + MAX_CONNECTIONS + "\n  max_request_bytes: 4096\n"));
        daemon = SluiceDaemon.start(ConfigLoader.load(configFile));
    }

    @AfterEach
    void stop() {
        daemon.close();
    }

    private CliRun sluice(String... args) {
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--config";
        all[args.length + 1] = configFile.toString();
        all[args.length + 2] = "--port";
        all[args.length + 3] = Integer.toString(daemon.adminPort());
        return CliRun.sluice(all);
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.adminPort() + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long metric(String scrape, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})? ([0-9.E+-]+)$").matcher(scrape);
        return m.find() ? (long) Double.parseDouble(m.group(2)) : -1;
    }

    private static long refusals(String scrape, String reason) {
        Matcher m = Pattern.compile("(?m)^sluice_admin_refusals_total\\{[^}]*reason=\"" + reason + "\"[^}]*} ([0-9.E+-]+)$")
                .matcher(scrape);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
    }

    private Mqtt5BlockingClient client(String id) {
        return MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1")
                .serverPort(daemon.mqttPort()).buildBlocking();
    }

    @Test
    void status_andMetrics_moveWithTraffic_andHealthAndReadyAnswer() throws Exception {
        assertEquals(200, get("/health", null).statusCode());
        assertEquals(200, get("/ready", null).statusCode());
        long before = metric(get("/metrics", null).body(), "sluice_mqtt_publishes_qos1_total");
        assertEquals(0, before);

        Mqtt5BlockingClient c = client("status-sensor");
        c.connect();
        for (int i = 0; i < 3; i++) {
            c.publishWith().topic("s/status").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();
        }
        assertEquals(3, metric(get("/metrics", null).body(), "sluice_mqtt_publishes_qos1_total"));
        assertEquals(3, metric(get("/metrics", null).body(), "sluice_mqtt_pubacks_total"));
        // the PUBLISH->PUBACK histogram counted the three acknowledgements
        assertEquals(3, metric(get("/metrics", null).body(), "sluice_mqtt_puback_latency_seconds_count"));
        assertEquals(1, metric(get("/metrics", null).body(), "sluice_sessions_live"));

        try (RawMqtt raw = new RawMqtt(daemon.mqttPort())) { // a malformed packet: counted as an event by reason
            raw.send(new byte[] {0x10, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f});
            assertTrue(raw.closedByServer());
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> daemon.mqttStats().event("malformed_packet") == 1);
        String scrape = get("/metrics", null).body();
        assertEquals(1, metric(scrape, "sluice_events_total"), "events by reason reach the metrics");
        Matcher used = Pattern.compile("sluice_[a-z0-9_]+").matcher(Files.readString(Path.of("..", "conf", "grafana-dashboard.json")));
        while (used.find()) {
            assertTrue(scrape.contains(used.group() + " ") || scrape.contains(used.group() + "{"),
                    "the Grafana dashboard queries " + used.group() + ", which /metrics does not expose");
        }

        CliRun json = sluice("status", "--json");
        assertEquals(0, json.exit(), json.err());
        assertTrue(json.out().contains("\"publishes_qos1\":3"), json.out());
        assertTrue(json.out().contains("\"connections_open\":1"), json.out());
        assertTrue(json.out().contains("\"sessions_live\":1"), json.out());
        assertTrue(json.out().contains("\"kafka_healthy\":true"), json.out());
        CliRun text = sluice("status");
        assertEquals(0, text.exit(), text.err());
        assertTrue(text.out().matches("(?s).*publishes_qos1 +3\n.*"), text.out());
        c.disconnect();
    }

    /** A socket that sent the start of a request and then nothing. */
    private Socket stalled(String start) throws Exception {
        Socket s = new Socket("127.0.0.1", daemon.adminPort());
        s.setSoTimeout(REQUEST_TIMEOUT_MS + 10_000);
        OutputStream out = s.getOutputStream();
        out.write(start.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return s;
    }

    /** True when the server closed {@code s} (end of stream or reset) within the socket's read timeout. */
    private static boolean closedByServer(Socket s) throws Exception {
        InputStream in = s.getInputStream();
        try {
            while (in.read() >= 0) {
                // an answer before the close is read past
            }
            return true;
        } catch (SocketException reset) {
            return true;
        }
    }

    /** True when nothing, not even the end of the stream, can be read from {@code s} at once. */
    private static boolean stillOpen(Socket s) throws Exception {
        int before = s.getSoTimeout();
        s.setSoTimeout(1);
        try {
            s.getInputStream().read();
            return false; // an answer or the end of the stream: no longer stalled
        } catch (java.net.SocketTimeoutException nothingYet) {
            return true;
        } catch (SocketException reset) {
            return false;
        } finally {
            s.setSoTimeout(before);
        }
    }

    private HttpResponse<String> probe(String path) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.adminPort() + path))
                .timeout(Duration.ofSeconds(3)).build();
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void stalledSockets_holdUpNeitherHealthNorReadyNorMetrics_andAreClosedAfterTheRequestTimeout() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();
        long openedAt = System.nanoTime();
        try {
            for (int i = 0; i < MAX_CONNECTIONS / 2; i++) {
                sockets.add(stalled("GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthoriz"));
            }
            for (int i = 0; i < 2; i++) {
                sockets.add(stalled("POST /drain HTTP/1.1\r\nContent-Length: 100\r\n\r\nhalf a body"));
            }
            // slow loris: a header that grows by a byte every 200 ms never completes; the limit is for the whole head
            Socket trickler = stalled("GET /metrics HTTP/1.1\r\nX-Slow: ");
            sockets.add(trickler);
            AtomicInteger trickled = new AtomicInteger();
            pace.scheduleAtFixedRate(() -> {
                if (trickled.incrementAndGet() <= 200) {
                    try {
                        trickler.getOutputStream().write('a');
                    } catch (java.io.IOException closed) {
                        trickled.set(Integer.MAX_VALUE);
                    }
                }
            }, 0, 200, TimeUnit.MILLISECONDS);
            // the probes answer while every stalled socket is still held (the old server never answered them)
            await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(HttpTimeoutException.class)
                    .until(() -> probe("/health").statusCode() == 200);
            await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(HttpTimeoutException.class)
                    .until(() -> probe("/ready").statusCode() == 200);
            await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(HttpTimeoutException.class)
                    .until(() -> probe("/metrics").body().contains("sluice_ready 1"));
            for (Socket s : sockets) {
                assertTrue(stillOpen(s), "the stalled sockets are still held while the probes answer");
            }
            for (Socket s : sockets) {
                assertTrue(closedByServer(s));
            }
            assertTrue(System.nanoTime() - openedAt >= REQUEST_TIMEOUT_MS * 1_000_000L, "closed only at the timeout");
        } finally {
            pace.shutdownNow();
            for (Socket s : sockets) {
                s.close();
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> refusals(probe("/metrics").body(), "request_timeout")
                == sockets.size());
        assertEquals(SluiceDaemon.State.READY, daemon.state(), "the half-sent POST /drain drained nothing");
    }

    @Test
    void connectionsBeyondMaxConnections_areClosedAtOnce_andOversizedRequestsAreRefused() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_CONNECTIONS; i++) {
                sockets.add(stalled("GET /health HTTP/1.1\r\n"));
            }
            try (Socket extra = new Socket("127.0.0.1", daemon.adminPort())) {
                extra.setSoTimeout(REQUEST_TIMEOUT_MS / 2); // well before any stalled socket times out
                assertTrue(closedByServer(extra), "the connection past admin.max_connections is closed at once");
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        // the stalled sockets closed by their peer free their places at once
        await().atMost(Duration.ofSeconds(3)).until(() -> probe("/health").statusCode() == 200);

        try (Socket big = new Socket("127.0.0.1", daemon.adminPort())) {
            big.setSoTimeout(5_000);
            big.getOutputStream().write(("GET /health HTTP/1.1\r\nX-Filler: " + "a".repeat(8_000) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(big.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 431 "), answer);
        }
        String scrape = probe("/metrics").body();
        assertEquals(1, refusals(scrape, "too_many_connections"), scrape);
        assertEquals(1, refusals(scrape, "request_too_large"), scrape);
    }

    @Test
    void sessionsList_showsAPersistentSession_andKickClosesItsConnection() throws Exception {
        AtomicInteger disconnects = new AtomicInteger();
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier("kick-me").serverHost("127.0.0.1")
                .serverPort(daemon.mqttPort()).addDisconnectedListener(x -> disconnects.incrementAndGet()).buildBlocking();
        c.connectWith().cleanStart(false).sessionExpiryInterval(3600).send();

        CliRun list = sluice("sessions", "list", "--json");
        assertEquals(0, list.exit(), list.err());
        assertTrue(list.out().contains("\"client_id\":\"kick-me\",\"protocol\":\"5\",\"persistent\":true,\"connected\":true"),
                list.out());
        CliRun table = sluice("sessions", "list");
        assertTrue(table.out().matches("(?s)CLIENT ID .*\nkick-me +5 +yes +yes +3600 .*"), table.out());
        Mqtt5BlockingClient other = client("second-sensor");
        other.connectWith().cleanStart(false).sessionExpiryInterval(60).send();
        CliRun limited = sluice("sessions", "list", "--json", "--limit", "1");
        assertEquals(1, limited.out().split("\"client_id\"", -1).length - 1, limited.out());
        other.disconnect();
        CliRun show = sluice("sessions", "show", "kick-me");
        assertTrue(show.out().contains("expiry_seconds"), show.out());

        CliRun kick = sluice("sessions", "kick", "kick-me");
        assertEquals(0, kick.exit(), kick.err());
        await().atMost(Duration.ofSeconds(10)).until(() -> disconnects.get() == 1);
        assertEquals(1, sluice("sessions", "kick", "nobody").exit(), "kicking an unknown client is an error");
    }

    @Test
    void wrongToken_isRefused_andADaemonNotRunningIsAClearError() throws Exception {
        assertEquals(401, get("/status", "not-the-token").statusCode());
        assertEquals(401, get("/status", null).statusCode());
        String token = Files.readString(Path.of(daemon.config().admin().tokenFile())).trim();
        assertEquals(200, get("/status", token).statusCode());

        Path wrongToken = dir.resolve("wrong.token");
        Files.writeString(wrongToken, "wrong\n");
        Files.writeString(configFile, Files.readString(configFile)
                .replace(daemon.config().admin().tokenFile(), wrongToken.toString()));
        CliRun refused = sluice("status");
        assertEquals(77, refused.exit(), refused.err());
        assertTrue(refused.err().contains("refused the token"), refused.err());

        int unused;
        try (ServerSocket s = new ServerSocket(0)) {
            unused = s.getLocalPort();
        }
        CliRun down = CliRun.sluice("status", "--config", configFile.toString(), "--port", Integer.toString(unused));
        assertEquals(69, down.exit());
        assertTrue(down.err().contains("Sluice is not running"), down.err());
    }

    @Test
    void drain_stopsAcceptingConnections_andReports() throws Exception {
        Mqtt5BlockingClient c = client("before-drain");
        c.connect();
        c.publishWith().topic("s/drain").qos(MqttQos.AT_LEAST_ONCE).payload("x".getBytes(StandardCharsets.UTF_8)).send();
        CliRun drain = sluice("drain", "--json");
        assertEquals(0, drain.exit(), drain.err());
        assertTrue(drain.out().contains("\"drained\":true"), drain.out());
        // the connection is ended after the in-flight message (MQTT 5: DISCONNECT 0x8B, no server references here)
        assertTrue(drain.out().contains("\"connections_ended\":1"), drain.out());
        assertTrue(drain.out().contains("\"complete\":true"), drain.out());
        await().atMost(Duration.ofSeconds(10)).until(() -> !c.getState().isConnected());
        assertThrows(Exception.class, () -> client("after-drain").connect());
        assertEquals(503, get("/ready", null).statusCode());
    }
}
