package io.sluice.daemon.it;

import static io.sluice.daemon.it.Clients.header;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.config.ConfigLoader;
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
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Passwords and ACLs end to end: a password file made by Debian's {@code mosquitto_passwd}, an ACL in Mosquitto's
 * format, independent clients ({@code mosquitto_pub}/{@code mosquitto_sub}, HiveMQ) against the real daemon and real
 * Kafka. Refusals get the spec's answer and write nothing; records carry the identity; both files reload while
 * clients stay connected.
 */
class AuthIT {
    private static final Path PUB = Path.of("/usr/bin/mosquitto_pub");
    private static final Path SUB = Path.of("/usr/bin/mosquitto_sub");
    private static final Path PASSWD = Path.of("/usr/bin/mosquitto_passwd");
    private static final String ACL = """
            user alice
            topic write sensors/alice/#
            topic read cmd/alice/#
            pattern write devices/%u/#
            """;

    @TempDir
    Path dir;
    private TestKafka kafka;
    private SluiceDaemon daemon;
    private Path passwords;
    private Path acl;
    private Map<String, String> settings;

    @BeforeAll
    static void needsMosquittoTools() {
        boolean present = Files.isExecutable(PUB) && Files.isExecutable(SUB) && Files.isExecutable(PASSWD);
        if (!present && "true".equals(System.getenv("CI"))) {
            fail("mosquitto_pub/sub/passwd not found: .ci/run installs Debian's mosquitto-clients and mosquitto");
        }
        assumeTrue(present, "mosquitto tools not installed (apt-get install mosquitto-clients mosquitto)");
    }

    @BeforeEach
    void start() throws Exception {
        kafka = TestKafka.shared();
        passwords = dir.resolve("passwd");
        run(PASSWD.toString(), "-c", "-b", passwords.toString(), "alice", "alice-pw");
        run(PASSWD.toString(), "-b", passwords.toString(), "sensor-9", "s9-pw");
        acl = Files.writeString(dir.resolve("acl"), ACL);
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> s = new HashMap<>(TestKafka.adminSettings());
        s.putAll(Map.of("node_id", "auth-node", "mqtt.host", "127.0.0.1", "mqtt.port", "0",
                "kafka.bootstrap_servers", kafka.bootstrap(), "kafka.readings_topic", "readings-auth-" + suffix,
                "kafka.sessions_topic", "sessions-auth-" + suffix, "kafka.topic_partitions", "1",
                "kafka.topic_replication_factor", "1", "kafka.topic_min_insync_replicas", "1"));
        s.putAll(Map.of("auth.password_file", passwords.toString(), "auth.acl_file", acl.toString(),
                "auth.client_id_must_match_identity", "true"));
        settings = Map.copyOf(s);
        daemon = SluiceDaemon.start(ConfigLoader.fromMap(s));
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private List<ConsumerRecord<String, byte[]>> records() {
        return kafka.readAll(daemon.config().kafka().readingsTopic());
    }

    @Test
    void mosquittoClientsAndHiveMq_withMosquittoPasswdPasswords_publishAndSubscribe_andRecordsCarryTheIdentity()
            throws Exception {
        Result v311 = mosquitto(PUB, "-V", "mqttv311", "-i", "alice", "-u", "alice", "-P", "alice-pw", "-q", "1",
                "-t", "sensors/alice/t", "-m", "1", "--repeat", "3", "--repeat-delay", "0");
        assertEquals(0, v311.exit, v311.output);
        Result v5 = mosquitto(PUB, "-V", "mqttv5", "-i", "alice", "-u", "alice", "-P", "alice-pw", "-q", "1",
                "-t", "devices/alice/x", "-m", "2");
        assertEquals(0, v5.exit, v5.output);
        Result sub = mosquitto(SUB, "-V", "mqttv311", "-i", "alice", "-u", "alice", "-P", "alice-pw", "-q", "1",
                "-t", "cmd/alice/#", "-E");
        assertEquals(0, sub.exit, sub.output);

        Mqtt5BlockingClient hive = MqttClient.builder().useMqttVersion5().identifier("sensor-9")
                .serverHost("127.0.0.1").serverPort(daemon.mqttPort()).buildBlocking();
        hive.connectWith().simpleAuth().username("sensor-9").password(utf8("s9-pw")).applySimpleAuth().send();
        hive.publishWith().topic("devices/sensor-9/temp").qos(MqttQos.AT_LEAST_ONCE).payload(utf8("3")).send();
        hive.disconnect();

        // alice connected three times with one password, sensor-9 once: two PBKDF2s, two remembered
        String metrics = admin("/metrics");
        assertTrue(metrics.contains("sluice_auth_password_checks_total 2.0"), metrics);
        assertTrue(metrics.contains("sluice_auth_password_remembered_hits_total 2.0"), metrics);
        assertTrue(metrics.contains("sluice_auth_password_checks_busy_total 0.0"), metrics);
        assertTrue(metrics.contains("sluice_auth_password_check_queue 0.0"), metrics);
        assertTrue(metrics.contains("sluice_auth_password_remembered 2.0"), metrics);
        String status = admin("/status");
        assertTrue(status.contains("\"password_checks\":{\"computed\":2,\"remembered_hits\":2,\"refused_busy\":0,"
                + "\"queue\":\"0/1000\",\"remembered\":2}"), status);

        List<ConsumerRecord<String, byte[]>> records = records();
        assertEquals(5, records.size());
        assertEquals(4, records.stream().filter(r -> "password alice".equals(header(r, "sluice.identity"))).count());
        assertEquals("password sensor-9", records.stream().filter(r -> r.key().equals("sensor-9")).findFirst()
                .map(r -> header(r, "sluice.identity")).orElseThrow());
    }

    @Test
    void refused_withTheSpecsAnswer_andNothingInKafka() throws Exception {
        Result wrong = mosquitto(PUB, "-V", "mqttv5", "-i", "alice", "-u", "alice", "-P", "nope", "-t",
                "sensors/alice/t", "-m", "1");
        assertNotEquals(0, wrong.exit);
        assertTrue(wrong.output.toLowerCase().contains("bad user name or password"), wrong.output);
        Result unknown = mosquitto(PUB, "-V", "mqttv311", "-i", "mallory", "-u", "mallory", "-P", "x", "-t",
                "sensors/alice/t", "-m", "1");
        assertNotEquals(0, unknown.exit);
        assertTrue(unknown.output.toLowerCase().contains("bad user name or password"), unknown.output);
        Result anonymous = mosquitto(PUB, "-V", "mqttv5", "-i", "anon", "-t", "sensors/alice/t", "-m", "1");
        assertNotEquals(0, anonymous.exit);
        assertTrue(anonymous.output.toLowerCase().contains("not authorized"), anonymous.output);
        Result otherId = mosquitto(PUB, "-V", "mqttv311", "-i", "not-alice", "-u", "alice", "-P", "alice-pw",
                "-t", "sensors/alice/t", "-m", "1");
        assertNotEquals(0, otherId.exit);
        assertTrue(otherId.output.toLowerCase().contains("identifier rejected"), otherId.output);

        Mqtt5BlockingClient v5 = MqttClient.builder().useMqttVersion5().identifier("not-sensor-9")
                .serverHost("127.0.0.1").serverPort(daemon.mqttPort()).buildBlocking();
        Mqtt5ConnAckException idRefused = assertThrows(Mqtt5ConnAckException.class, () -> v5.connectWith()
                .simpleAuth().username("sensor-9").password(utf8("s9-pw")).applySimpleAuth().send());
        assertEquals(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID, idRefused.getMqttMessage().getReasonCode());

        Mqtt5BlockingClient alice = MqttClient.builder().useMqttVersion5().identifier("alice")
                .serverHost("127.0.0.1").serverPort(daemon.mqttPort()).buildBlocking();
        alice.connectWith().simpleAuth().username("alice").password(utf8("alice-pw")).applySimpleAuth().send();
        Mqtt5PubAckException foreign = assertThrows(Mqtt5PubAckException.class, () -> alice.publishWith()
                .topic("sensors/bob/t").qos(MqttQos.AT_LEAST_ONCE).payload(utf8("x")).send());
        assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, foreign.getMqttMessage().getReasonCode());
        Mqtt5SubAckException subRefused = assertThrows(Mqtt5SubAckException.class, () -> alice.subscribeWith()
                .addSubscription().topicFilter("cmd/alice/#").applySubscription()
                .addSubscription().topicFilter("cmd/#").applySubscription().send());
        // HiveMQ asks for QoS 2 unless told otherwise, and QoS 2 is granted (mqtt.qos2_enabled defaults to true)
        assertEquals(List.of(Mqtt5SubAckReasonCode.GRANTED_QOS_2, Mqtt5SubAckReasonCode.NOT_AUTHORIZED),
                subRefused.getMqttMessage().getReasonCodes());
        alice.disconnect();

        Mqtt3BlockingClient v3 = MqttClient.builder().useMqttVersion3().identifier("alice")
                .serverHost("127.0.0.1").serverPort(daemon.mqttPort()).buildBlocking();
        v3.connectWith().simpleAuth().username("alice").password(utf8("alice-pw")).applySimpleAuth().send();
        assertThrows(RuntimeException.class, () -> v3.publishWith().topic("sensors/bob/t")
                .qos(MqttQos.AT_LEAST_ONCE).payload(utf8("x")).send(), "MQTT 3.1.1: the connection is closed");
        Result sub311 = mosquitto(SUB, "-V", "mqttv311", "-i", "alice", "-u", "alice", "-P", "alice-pw", "-t",
                "cmd/#", "-E");
        assertTrue(sub311.output.contains("All subscription requests were denied"), sub311.output);

        assertEquals(0, records().size(), "nothing of any refused client is in Kafka");
        assertTrue(daemon.mqtt().stats().event("publish_not_authorized") >= 2);
        assertEquals(2, daemon.mqtt().stats().event("bad_username_or_password"));
    }

    @Test
    void aSubscriptionADenyLineOnlyOverlaps_isGranted_andOnlyTheDeniedTopicIsWithheld() throws Exception {
        Files.writeString(acl, ACL + """
                topic deny cmd/alice/private
                user sensor-9
                topic write cmd/#
                """);
        daemon.files().reloadAll();
        Mqtt5BlockingClient alice = MqttClient.builder().useMqttVersion5().identifier("alice")
                .serverHost("127.0.0.1").serverPort(daemon.mqttPort()).buildBlocking();
        alice.connectWith().simpleAuth().username("alice").password(utf8("alice-pw")).applySimpleAuth().send();
        try (Mqtt5BlockingClient.Mqtt5Publishes received = alice.publishes(
                com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            assertEquals(List.of(Mqtt5SubAckReasonCode.GRANTED_QOS_1), alice.subscribeWith().topicFilter("cmd/alice/+")
                    .qos(MqttQos.AT_LEAST_ONCE).send().getReasonCodes(), "the deny line covers one topic of it");
            Mqtt5BlockingClient sensor = MqttClient.builder().useMqttVersion5().identifier("sensor-9")
                    .serverHost("127.0.0.1").serverPort(daemon.mqttPort()).buildBlocking();
            sensor.connectWith().simpleAuth().username("sensor-9").password(utf8("s9-pw")).applySimpleAuth().send();
            for (String t : List.of("cmd/alice/first", "cmd/alice/private", "cmd/alice/last")) {
                sensor.publishWith().topic(t).qos(MqttQos.AT_LEAST_ONCE).payload(utf8(t)).send();
            }
            sensor.disconnect();
            List<String> topics = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                topics.add(received.receive(30, TimeUnit.SECONDS).orElseThrow().getTopic().toString());
            }
            // delivered in log order: had the denied message been sent, it would have come second
            assertEquals(List.of("cmd/alice/first", "cmd/alice/last"), topics);
            assertEquals(1, daemon.mqtt().stats().event("delivery_not_authorized"));
        }
        alice.disconnect();
    }

    @Test
    void replacingThePasswordAndAclFiles_whileConnected_newConnectionsSeeThem_existingContinue_brokenKeepsOld()
            throws Exception {
        Mqtt5BlockingClient connected = MqttClient.builder().useMqttVersion5().identifier("sensor-9")
                .serverHost("127.0.0.1").serverPort(daemon.mqttPort()).buildBlocking();
        connected.connectWith().simpleAuth().username("sensor-9").password(utf8("s9-pw")).applySimpleAuth().send();

        Path next = dir.resolve("passwd.next");
        Files.copy(passwords, next);
        run(PASSWD.toString(), "-b", next.toString(), "alice", "alice-new");
        run(PASSWD.toString(), "-b", next.toString(), "sensor-9", "s9-new");
        Files.move(next, passwords, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.writeString(acl, ACL + "pattern write fleet/%u\n");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                mosquitto(PUB, "-i", "alice", "-u", "alice", "-P", "alice-new", "-q", "1", "-t", "fleet/alice",
                        "-m", "new").exit == 0);
        Result old = mosquitto(PUB, "-i", "alice", "-u", "alice", "-P", "alice-pw", "-q", "1", "-t",
                "sensors/alice/t", "-m", "old");
        assertTrue(old.output.toLowerCase().contains("bad user name or password"), old.output);

        // the connection made with sensor-9's old password is still up; the reloaded ACL applies to it as well
        connected.publishWith().topic("devices/sensor-9/t").qos(MqttQos.AT_LEAST_ONCE).payload(utf8("still")).send();
        connected.publishWith().topic("fleet/sensor-9").qos(MqttQos.AT_LEAST_ONCE).payload(utf8("granted")).send();

        Files.writeString(passwords, "alice:not-a-hash\n");
        Files.writeString(acl, "topik broken\n");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                daemon.files().check() == 0 && Files.readString(passwords).contains("not-a-hash"));
        daemon.files().reloadAll(); // as SIGHUP does: both refused, the previous files stay in use
        assertEquals(0, mosquitto(PUB, "-i", "alice", "-u", "alice", "-P", "alice-new", "-q", "1", "-t",
                "fleet/alice", "-m", "kept").exit);
        connected.disconnect();

        List<String> payloads = new ArrayList<>();
        records().forEach(r -> payloads.add(new String(r.value(), StandardCharsets.UTF_8)));
        assertTrue(payloads.containsAll(List.of("new", "still", "granted", "kept")), payloads.toString());
        assertTrue(!payloads.contains("old"), payloads.toString());
    }

    /**
     * One password-check thread, one queue slot, a hash that takes seconds: with one check running and one waiting,
     * a further CONNECT is answered at once with CONNACK 0x89 server busy (MQTT 5) or 0x03 server unavailable (MQTT
     * 3.1.1), counted as password_check_busy and in the password-check metrics; the queued check still completes.
     */
    @Test
    void passwordCheckPoolSaturated_connectIsAnsweredServerBusy_v5_0x89_v311_0x03_andCounted() throws Exception {
        daemon.close();
        // a hash no password matches (nobody logs in here), checked with 2,000,000 iterations: seconds per check
        io.sluice.auth.PasswordFile.write(passwords, Map.of("slow", new io.sluice.auth.PasswordHash(2_000_000,
                new byte[12], new byte[64])));
        Map<String, String> s = new HashMap<>(settings);
        s.putAll(Map.of("auth.password_check_threads", "1", "auth.password_check_queue", "1"));
        daemon = SluiceDaemon.start(ConfigLoader.fromMap(s));
        io.sluice.auth.PasswordVerifier checks = daemon.auth().verifier();

        var running = slowConnect("busy-a", "wrong-a");
        await().atMost(Duration.ofSeconds(30)).until(() -> checks.computed.sum() == 1);
        var waiting = slowConnect("busy-b", "wrong-b");
        await().atMost(Duration.ofSeconds(30)).until(() -> checks.queueDepth() == 1);
        assertTrue(admin("/metrics").contains("sluice_auth_password_check_queue 1.0"), "queue depth in /metrics");

        Mqtt5BlockingClient v5 = MqttClient.builder().useMqttVersion5().identifier("busy-c")
                .serverHost("127.0.0.1").serverPort(daemon.mqttPort()).buildBlocking();
        Mqtt5ConnAckException busy = assertThrows(Mqtt5ConnAckException.class, () -> v5.connectWith().simpleAuth()
                .username("slow").password(utf8("any")).applySimpleAuth().send());
        assertEquals(Mqtt5ConnAckReasonCode.SERVER_BUSY, busy.getMqttMessage().getReasonCode());
        Mqtt3BlockingClient v311 = MqttClient.builder().useMqttVersion3().identifier("busy-d")
                .serverHost("127.0.0.1").serverPort(daemon.mqttPort()).buildBlocking();
        com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException unavailable = assertThrows(
                com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException.class, () -> v311.connectWith()
                        .simpleAuth().username("slow").password(utf8("any")).applySimpleAuth().send());
        assertEquals(com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode.SERVER_UNAVAILABLE,
                unavailable.getMqttMessage().getReturnCode());
        assertEquals(1, checks.queueDepth(), "both were refused while the pool was saturated");

        assertEquals(2, daemon.mqttStats().event("password_check_busy"));
        String metrics = admin("/metrics");
        assertTrue(metrics.contains("sluice_auth_password_checks_busy_total 2.0"), metrics);
        assertTrue(metrics.contains("sluice_events_total{reason=\"password_check_busy\"} 2.0"), metrics);
        for (var connect : List.of(running, waiting)) {
            var e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> connect.get(120, TimeUnit.SECONDS));
            assertEquals(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD,
                    ((Mqtt5ConnAckException) e.getCause()).getMqttMessage().getReasonCode(), "checked, not dropped");
        }
        assertEquals(2, checks.computed.sum());
    }

    private java.util.concurrent.CompletableFuture<?> slowConnect(String clientId, String password) {
        return MqttClient.builder().useMqttVersion5().identifier(clientId).serverHost("127.0.0.1")
                .serverPort(daemon.mqttPort()).buildAsync().connectWith().simpleAuth().username("slow")
                .password(utf8(password)).applySimpleAuth().send();
    }

    /** GET from the admin endpoint, with the token (which /metrics does not need). */
    private String admin(String path) throws Exception {
        String token = Files.readString(Path.of(daemon.config().admin().tokenFile())).strip();
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + daemon.adminPort() + path))
                .header("Authorization", "Bearer " + token).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Result mosquitto(Path tool, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(tool.toString(), "-h", "127.0.0.1", "-p",
                String.valueOf(daemon.mqttPort())));
        cmd.addAll(List.of(args));
        if (tool.equals(SUB)) {
            cmd.addAll(List.of("-W", "20"));
        }
        return run(cmd.toArray(String[]::new));
    }

    private static Result run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("did not finish within 60 s: " + String.join(" ", cmd));
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (cmd[0].equals(PASSWD.toString()) && p.exitValue() != 0) {
            fail(String.join(" ", cmd) + ": " + output);
        }
        return new Result(p.exitValue(), String.join(" ", cmd) + "\n" + output);
    }

    private record Result(int exit, String output) {
    }
}
