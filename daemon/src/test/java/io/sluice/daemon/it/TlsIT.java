package io.sluice.daemon.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.sluice.daemon.SluiceDaemon;
import io.sluice.tls.TestPki;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLS listener end to end: real daemon, real Kafka, Debian's mosquitto_pub and the HiveMQ client over TLS, with
 * certificates made in the test. Accepted clients' readings are in Kafka; refused ones (no certificate where one is
 * required, another CA, revoked, expired, plain TCP) get nothing written. The server certificate is replaced while a
 * client stays connected.
 */
class TlsIT {
    private static final Path MOSQUITTO_PUB = Path.of("/usr/bin/mosquitto_pub");
    @TempDir
    static Path dir;
    private static TestPki.Ca ca;
    private static TestPki.Issued sensor;
    private TestKafka kafka;
    private SluiceDaemon daemon;

    @BeforeAll
    static void certificates() throws Exception {
        boolean present = Files.isExecutable(MOSQUITTO_PUB);
        if (!present && "true".equals(System.getenv("CI"))) {
            fail("mosquitto_pub not found: .ci/run installs Debian's mosquitto-clients");
        }
        assumeTrue(present, "mosquitto_pub not installed (apt-get install mosquitto-clients)");
        ca = TestPki.ca("sluice-test-ca");
        TestPki.writeCert(dir.resolve("ca.crt"), ca.cert);
        TestPki.server(ca, "server-1").write(dir, "server");
        sensor = TestPki.client(ca, "sensor-1", List.of(new GeneralName(GeneralName.dNSName, "sensor-1.fleet.example")));
        sensor.write(dir, "sensor");
        TestPki.Issued revoked = TestPki.client(ca, "stolen-sensor", List.of());
        revoked.write(dir, "revoked");
        ca.revoke(revoked.cert());
        TestPki.writeCrl(dir.resolve("ca.crl"), ca.crl());
        TestPki.expiredClient(ca, "old-sensor").write(dir, "expired");
        TestPki.client(TestPki.ca("sluice-test-ca"), "impostor", List.of()).write(dir, "foreign");
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private void start(String clientAuth, Map<String, String> more) {
        Map<String, String> s = new HashMap<>(Map.of(
                "mqtt_tls.enabled", "true",
                "mqtt_tls.host", "127.0.0.1",
                "mqtt_tls.port", "0",
                "mqtt_tls.cert_file", dir.resolve("server.crt").toString(),
                "mqtt_tls.key_file", dir.resolve("server.key").toString(),
                "mqtt_tls.client_auth", clientAuth));
        if (!clientAuth.equals("none")) {
            s.put("mqtt_tls.ca_file", dir.resolve("ca.crt").toString());
            s.put("mqtt_tls.crl_file", dir.resolve("ca.crl").toString());
        }
        s.putAll(more);
        kafka = TestKafka.shared();
        daemon = SluiceDaemon.start(kafka.daemonConfig("tls", s));
    }

    private List<ConsumerRecord<String, byte[]>> readings() {
        return kafka.readAll(daemon.config().kafka().readingsTopic());
    }

    @Test
    void mosquittoPub_withTheCaOnly_publishesQos1OverTls_andPlainMqttToTheTlsPortIsRefused() throws Exception {
        start("none", Map.of("mqtt.enabled", "false"));
        assertEquals(-1, daemon.mqttPort(), "the plain listener is off");
        Result ok = pub("--cafile", dir.resolve("ca.crt").toString(), "-i", "tls-sensor", "-q", "1",
                "-t", "sensors/tls/temperature", "-m", "{\"celsius\":20}", "--repeat", "3", "--repeat-delay", "0");
        assertEquals(0, ok.exit, ok.output);
        Result plain = pub("-i", "plain-sensor", "-q", "1", "-t", "sensors/plain/temperature", "-m", "1");
        assertNotEquals(0, plain.exit, plain.output);

        List<ConsumerRecord<String, byte[]>> records = readings();
        assertEquals(List.of("tls-sensor", "tls-sensor", "tls-sensor"), records.stream().map(ConsumerRecord::key).toList());

        for (String version : List.of("-tls1_2", "-tls1_3")) {
            Path session = dir.resolve("session" + version);
            String first = sClient(version, "-sess_out", session.toString());
            assertTrue(first.contains("Verify return code: 0 (ok)"), first);
            assertTrue(first.contains("New, TLSv1."), first);
            String second = sClient(version, "-sess_in", session.toString());
            assertTrue(second.contains("Reused, TLSv1."), version + ": the session is resumed\n" + second);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> daemon.mqttStats().event("tls_handshake_failed") >= 1);
    }

    @Test
    void mutualTls_acceptsTheFleetsCertificate_andRefusesNoneForeignRevokedAndExpired() throws Exception {
        start("required", Map.of());
        String cafile = dir.resolve("ca.crt").toString();
        Result good = pub("--cafile", cafile, "--cert", dir.resolve("sensor.crt").toString(),
                "--key", dir.resolve("sensor.key").toString(), "-i", "sensor-1", "-q", "1",
                "-t", "sensors/sensor-1/temperature", "-m", "21.5", "-V", "mqttv5");
        assertEquals(0, good.exit, good.output);
        Result sub = run(Path.of("/usr/bin/mosquitto_sub"), "--cafile", cafile, "--cert",
                dir.resolve("sensor.crt").toString(), "--key", dir.resolve("sensor.key").toString(), "-i", "sensor-1-sub",
                "-q", "1", "-t", "commands/sensor-1/#", "-E", "-V", "mqttv5");
        assertEquals(0, sub.exit, "mosquitto_sub -E exits 0 once its SUBACK arrived over mutual TLS\n" + sub.output);

        Result none = pub("--cafile", cafile, "-i", "no-cert", "-q", "1", "-t", "sensors/x/t", "-m", "1");
        assertNotEquals(0, none.exit, none.output);
        for (String who : List.of("foreign", "revoked", "expired")) {
            Result refused = pub("--cafile", cafile, "--cert", dir.resolve(who + ".crt").toString(),
                    "--key", dir.resolve(who + ".key").toString(), "-i", who, "-q", "1", "-t", "sensors/x/t",
                    "-m", who);
            assertNotEquals(0, refused.exit, who + ": " + refused.output);
        }
        assertEquals(List.of("sensor-1"), readings().stream().map(ConsumerRecord::key).toList(),
                "only the fleet's valid certificate wrote anything");
        await().atMost(Duration.ofSeconds(10)).until(() -> daemon.mqttStats().event("tls_handshake_failed") >= 4);
    }

    /**
     * The identity is the certificate's DNS SAN (its CN says something else), an ACL pattern with %u gives each device
     * its own topics: mosquitto_pub over mTLS writes its own topic (PUBACK 0, the record says who wrote it), is
     * refused another device's (MQTT 5 PUBACK 0x87, nothing written), and a client id that is not the identity is
     * refused at CONNECT.
     */
    @Test
    void certificateSanIsTheIdentity_aclPatternWithU_allowsOnlyItsOwnTopics_andTheClientIdMustBeIt() throws Exception {
        Path acl = Files.writeString(dir.resolve("devices.acl"), "pattern write sensors/%u/#\n");
        TestPki.client(ca, "Fleet device seven", List.of(new GeneralName(GeneralName.dNSName, "sensor-7")))
                .write(dir, "device7");
        start("required", Map.of("mqtt_tls.identity_from", "san_dns", "auth.acl_file", acl.toString(),
                "auth.client_id_must_match_identity", "true"));
        String[] mtls = {"--cafile", dir.resolve("ca.crt").toString(), "--cert", dir.resolve("device7.crt").toString(),
                "--key", dir.resolve("device7.key").toString(), "-V", "mqttv5", "-q", "1", "-d"};

        Result own = pub(concat(mtls, "-i", "sensor-7", "-t", "sensors/sensor-7/temperature", "-m", "own"));
        assertEquals(0, own.exit, own.output);
        assertTrue(own.output.contains("received PUBACK (Mid: 1, RC:0)"), own.output);
        Result foreign = pub(concat(mtls, "-i", "sensor-7", "-t", "sensors/sensor-8/temperature", "-m", "foreign"));
        assertTrue(foreign.output.contains("received PUBACK (Mid: 1, RC:135)"), "0x87 not authorized\n"
                + foreign.output);
        Result otherId = pub(concat(mtls, "-i", "sensor-8", "-t", "sensors/sensor-8/temperature", "-m", "other-id"));
        assertNotEquals(0, otherId.exit, otherId.output);
        assertTrue(otherId.output.contains("received CONNACK (133)"), "0x85 client identifier not valid\n"
                + otherId.output);

        List<ConsumerRecord<String, byte[]>> records = readings();
        assertEquals(List.of("own"), records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8))
                .toList(), "only the reading on the device's own topic is in Kafka");
        assertEquals("sensor-7", records.get(0).key());
        assertEquals("certificate sensor-7", Clients.header(records.get(0), "sluice.identity"));
        assertEquals(1, daemon.mqttStats().event("publish_not_authorized"));
        assertEquals(1, daemon.mqttStats().event("client_id_not_identity"));
    }

    /**
     * mqtt_tls.provider: jdk runs the listener on the JDK's TLS even though BoringSSL loads here: mosquitto_pub (TLS
     * 1.3 and 1.2) and the HiveMQ client with a client certificate complete handshakes and QoS 1 publishes through
     * it, and status names the provider.
     */
    @Test
    void jdkProvider_forcedByConfig_servesLiveTlsConnections_withQos1Publishes() throws Exception {
        start("required", Map.of("mqtt_tls.provider", "jdk"));
        assertEquals("jdk", daemon.mqtt().tls().providerName());
        for (String version : List.of("tlsv1.3", "tlsv1.2")) {
            Result r = pub("--cafile", dir.resolve("ca.crt").toString(), "--cert", dir.resolve("sensor.crt").toString(),
                    "--key", dir.resolve("sensor.key").toString(), "--tls-version", version, "-i", "jdk-" + version,
                    "-q", "1", "-d", "-t", "sensors/jdk/t", "-m", version);
            assertEquals(0, r.exit, r.output);
            assertTrue(r.output.contains("received PUBACK"), r.output);
        }
        Mqtt5BlockingClient hive = TlsClients.v5("sensor-1", daemon.mqttTlsPort(), ca.cert, sensor);
        hive.connect();
        var ack = hive.publishWith().topic("sensors/sensor-1/t").qos(MqttQos.AT_LEAST_ONCE).payload(utf8("hive"))
                .send();
        assertTrue(ack.getError().isEmpty(), ack.toString());
        hive.disconnect();

        List<ConsumerRecord<String, byte[]>> records = readings();
        assertEquals(java.util.Set.of("tlsv1.3", "tlsv1.2", "hive"), records.stream()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8)).collect(java.util.stream.Collectors.toSet()));
        assertEquals(3, records.size());
        assertTrue(records.stream().allMatch(r -> "certificate sensor-1".equals(Clients.header(r, "sluice.identity"))),
                "the JDK provider verified the client certificate and gave its identity");
        assertTrue(status().contains("\"tls_provider\":\"jdk\""), "sluice status names the provider");
    }

    /**
     * A CRL past its nextUpdate is not used, so the fleet's valid certificate is refused in the handshake (as
     * OpenSSL-based brokers do); it is named with its date in one log line at load and at each reload and in status;
     * a current CRL reloaded lets the device in again.
     */
    @Test
    void crlPastItsNextUpdate_refusesValidCertificates_isLoggedAtLoadAndReload_andACurrentCrlLetsThemIn()
            throws Exception {
        java.time.Instant due = java.time.Instant.now().minus(Duration.ofHours(2)).truncatedTo(
                java.time.temporal.ChronoUnit.SECONDS);
        Path crl = dir.resolve("stale.crl");
        TestPki.writeCrl(crl, ca.crl(due.minus(Duration.ofDays(7)), due));
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                io.sluice.tls.ServerTls.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log =
                new ch.qos.logback.core.read.ListAppender<>();
        log.start();
        logger.addAppender(log);
        ch.qos.logback.classic.Logger handshakes = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                io.sluice.tls.PeerIdentityHandler.class);
        handshakes.addAppender(log);
        String warning = crl + ": the CRL of CN=sluice-test-ca is past its nextUpdate " + due;
        java.util.function.LongSupplier warned = () -> log.list.stream().filter(e -> e.getLevel()
                == ch.qos.logback.classic.Level.WARN && e.getFormattedMessage().startsWith(warning)).count();
        try {
            start("required", Map.of("mqtt_tls.crl_file", crl.toString()));
            assertEquals(1, warned.getAsLong(), "one line at load naming the file and the date: " + log.list);
            String[] mtls = {"--cafile", dir.resolve("ca.crt").toString(), "--cert",
                    dir.resolve("sensor.crt").toString(), "--key", dir.resolve("sensor.key").toString(), "-i",
                    "sensor-1", "-q", "1", "-t", "sensors/sensor-1/t"};
            Result stale = pub(concat(mtls, "-m", "stale"));
            assertNotEquals(0, stale.exit, "refused while the CRL is stale\n" + stale.output);
            assertTrue(log.list.stream().anyMatch(e -> e.getFormattedMessage().contains("failed: Could not determine"
                    + " revocation status (no current CRL of its CA in mqtt_tls.crl_file")), "the refusal names the"
                    + " likely cause: " + log.list);
            assertTrue(status().contains(due.toString()), "status shows the stale CRL: " + status());

            TestPki.writeCrl(crl, ca.crl());
            daemon.files().reloadAll();
            assertEquals(List.of(), daemon.mqtt().tls().warnings());
            Result current = pub(concat(mtls, "-m", "current"));
            assertEquals(0, current.exit, current.output);

            TestPki.writeCrl(crl, ca.crl(due.minus(Duration.ofDays(7)), due));
            daemon.files().reloadAll();
            assertTrue(warned.getAsLong() >= 2, "logged again at reload: " + log.list);
            Result staleAgain = pub(concat(mtls, "-m", "stale-again"));
            assertNotEquals(0, staleAgain.exit, staleAgain.output);
        } finally {
            logger.detachAppender(log);
            handshakes.detachAppender(log);
        }
        assertEquals(List.of("current"), readings().stream().map(r -> new String(r.value(), StandardCharsets.UTF_8))
                .toList());
    }

    private String status() throws Exception {
        String token = Files.readString(Path.of(daemon.config().admin().tokenFile())).strip();
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + daemon.adminPort() + "/status"))
                .header("Authorization", "Bearer " + token).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    @Test
    void serverCertificateReplaced_newConnectionsSeeIt_theConnectedClientKeepsPublishing_aBrokenFileChangesNothing()
            throws Exception {
        start("required", Map.of());
        int port = daemon.mqttTlsPort();
        Mqtt5BlockingClient connected = TlsClients.v5("sensor-1", port, ca.cert, sensor);
        connected.connect();
        connected.publishWith().topic("sensors/sensor-1/t").qos(MqttQos.AT_LEAST_ONCE).payload(utf8("before")).send();
        assertEquals("CN=server-1", TlsClients.servedCertificate(port).getSubjectX500Principal().getName());

        Path staging = Files.createDirectories(dir.resolve("staging"));
        TestPki.server(ca, "server-2").write(staging, "server");
        Files.move(staging.resolve("server.key"), dir.resolve("server.key"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        Files.move(staging.resolve("server.crt"), dir.resolve("server.crt"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        await().atMost(Duration.ofSeconds(15)).until(() ->
                TlsClients.servedCertificate(port).getSubjectX500Principal().getName().equals("CN=server-2"));

        connected.publishWith().topic("sensors/sensor-1/t").qos(MqttQos.AT_LEAST_ONCE).payload(utf8("after")).send();
        String token = Files.readString(Path.of(daemon.config().admin().tokenFile())).strip();
        java.net.http.HttpResponse<String> status = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + daemon.adminPort()
                        + "/status")).header("Authorization", "Bearer " + token).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertTrue(status.body().contains("CN=server-2") && status.body().contains("\"tls_provider\":\"openssl\""),
                "sluice status shows the certificate served now: " + status.body());
        Mqtt5BlockingClient fresh = TlsClients.v5("sensor-1b", port, ca.cert, sensor);
        fresh.connect();
        fresh.publishWith().topic("sensors/sensor-1/t").qos(MqttQos.AT_LEAST_ONCE).payload(utf8("fresh")).send();
        fresh.disconnect();

        Files.writeString(dir.resolve("server.crt"), "-----BEGIN CERTIFICATE-----\ntruncated\n");
        assertEquals(1, daemon.files().reloadAll(), "the broken certificate is refused (SIGHUP path)");
        assertEquals("CN=server-2", TlsClients.servedCertificate(port).getSubjectX500Principal().getName());
        connected.publishWith().topic("sensors/sensor-1/t").qos(MqttQos.AT_LEAST_ONCE).payload(utf8("still")).send();
        connected.disconnect();

        List<String> payloads = readings().stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
        assertEquals(List.of("before", "after", "fresh", "still"), payloads.stream().sorted(
                java.util.Comparator.comparingInt(List.of("before", "after", "fresh", "still")::indexOf)).toList());
        assertEquals(4, payloads.size());
    }

    @Test
    void hiveMqClient_withACertificateOfAnotherCa_isRefused_andWritesNothing() throws Exception {
        start("required", Map.of());
        TestPki.Issued impostor = TestPki.client(TestPki.ca("sluice-test-ca"), "sensor-1", List.of());
        Mqtt5BlockingClient c = TlsClients.v5("sensor-1", daemon.mqttTlsPort(), ca.cert, impostor);
        assertThrows(RuntimeException.class, c::connect);
        assertEquals(0, readings().size());
    }

    /**
     * 15,000 connection attempts from one source (127.0.0.2) at once, on three threads, each socket held open, while
     * a client from another source publishes QoS 1 over TLS: the flood is refused at accept time (no handshake),
     * counted in status and /metrics, and every reading of the other client is acknowledged and in Kafka.
     */
    @Test
    void connectionFloodFromOneSource_isRefusedAtAccept_whileAnotherClientsQos1ReadingsAllArrive() throws Exception {
        start("optional", Map.of("mqtt.source_limits_exempt", "", "mqtt.connection_rate_per_source", "100",
                "mqtt.connection_burst_per_source", "1000"));
        int port = daemon.mqttTlsPort();
        Mqtt5BlockingClient steady = TlsClients.v5("steady", port, ca.cert, sensor);
        steady.connect();
        int attemptsPerThread = 5_000;
        java.util.concurrent.atomic.AtomicInteger connected = new java.util.concurrent.atomic.AtomicInteger();
        List<java.net.Socket> held = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> flood = new ArrayList<>();
        long floodStart = System.nanoTime();
        for (int t = 0; t < 3; t++) {
            Thread th = new Thread(() -> {
                for (int i = 0; i < attemptsPerThread; i++) {
                    java.net.Socket s = new java.net.Socket();
                    try {
                        s.setSoLinger(true, 0);
                        s.bind(new java.net.InetSocketAddress("127.0.0.2", 0));
                        s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5_000);
                        connected.incrementAndGet();
                        held.add(s);
                    } catch (IOException e) {
                        try {
                            s.close();
                        } catch (IOException ignored) {
                            // nothing held
                        }
                    }
                }
            }, "flood-" + t);
            th.start();
            flood.add(th);
        }
        int readings = 300;
        for (int i = 0; i < readings; i++) {
            var result = steady.publishWith().topic("sensors/steady/t").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(utf8("r" + i)).send();
            assertTrue(result.getError().isEmpty(), "reading " + i + " acknowledged");
        }
        for (Thread th : flood) {
            th.join(120_000);
            assertTrue(!th.isAlive(), "flood thread done");
        }
        long floodSeconds = (System.nanoTime() - floodStart) / 1_000_000_000L + 1;
        try {
            assertTrue(connected.get() > 10_000, "the kernel accepted most attempts: " + connected.get());
            var stats = daemon.mqttStats();
            // every attempt the kernel accepted was either refused at accept time or reached the MQTT pipeline
            await().atMost(Duration.ofSeconds(30)).until(() -> stats.event("connection_rate_per_source_exceeded")
                    + stats.event("connections_per_source_exceeded") + stats.connectionsOpened.sum() - 1
                    == connected.get());
            long admitted = stats.connectionsOpened.sum() - 1;
            assertTrue(admitted <= 1_000 + 100 * floodSeconds + 1,
                    "the burst and the rate, no more: " + admitted + " in " + floodSeconds + " s");
            assertTrue(stats.event("connection_rate_per_source_exceeded") >= connected.get() - admitted);
            java.net.http.HttpResponse<String> metrics = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + daemon.adminPort()
                            + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertTrue(metrics.body().contains("sluice_events_total{reason=\"connection_rate_per_source_exceeded\"}"),
                    "a named event in /metrics");
        } finally {
            for (java.net.Socket s : held) {
                s.close();
            }
        }
        steady.disconnect();
        List<ConsumerRecord<String, byte[]>> records = readings();
        assertEquals(readings, records.size(), "every acknowledged reading is in Kafka once");
        assertTrue(records.stream().allMatch(r -> "steady".equals(r.key())));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * openssl s_client against the TLS port: ends it (closing its stdin) once the handshake's summary is out and, for
     * TLS 1.3, a session ticket arrived, so the session it saves can be resumed.
     */
    private String sClient(String version, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", version, "-connect",
                "127.0.0.1:" + daemon.mqttTlsPort(), "-CAfile", dir.resolve("ca.crt").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuffer out = new StringBuffer();
        Thread reader = new Thread(() -> {
            try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    out.append(line).append('\n');
                }
            } catch (IOException e) {
                out.append(e);
            }
        });
        reader.start();
        String ready = version.equals("-tls1_3") ? "Post-Handshake New Session Ticket arrived" : "Verify return code";
        await().atMost(Duration.ofSeconds(20)).until(() -> out.indexOf(ready) >= 0 || !p.isAlive());
        p.getOutputStream().close();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("openssl s_client did not finish: " + cmd);
        }
        reader.join(10_000);
        return out.toString();
    }

    private Result pub(String... args) throws IOException, InterruptedException {
        return run(MOSQUITTO_PUB, args);
    }

    private Result run(Path client, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(client.toString());
        cmd.addAll(List.of("-h", "127.0.0.1", "-p", String.valueOf(daemon.mqttTlsPort())));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(client.getFileName() + " did not finish within 60 s: " + String.join(" ", cmd));
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.exitValue(), String.join(" ", cmd) + "\n" + output);
    }

    private record Result(int exit, String output) {
    }
}
