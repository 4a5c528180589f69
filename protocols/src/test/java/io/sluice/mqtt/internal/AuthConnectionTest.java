package io.sluice.mqtt.internal;

import static io.sluice.mqtt.internal.MqttHarness.publish;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.auth.AclFile;
import io.sluice.auth.AuthConfig;
import io.sluice.auth.Authenticator;
import io.sluice.auth.PasswordFile;
import io.sluice.auth.PasswordHash;
import io.sluice.ingest.Delivery;
import io.sluice.ingest.InflightBudget;
import io.sluice.mqtt.MqttStats;
import io.sluice.security.CertificateIdentity;
import io.sluice.security.Identity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CONNECT authentication, PUBLISH and SUBSCRIBE authorization on an EmbeddedChannel with real MQTT bytes. */
class AuthConnectionTest {
    @TempDir
    Path dir;
    private final List<MqttHarness> open = new ArrayList<>();
    private Authenticator auth;

    @AfterEach
    void close() {
        open.forEach(MqttHarness::close);
        if (auth != null) {
            auth.close();
        }
    }

    private MqttHarness harness(boolean allowAnonymous, boolean idMustMatch) throws Exception {
        return harness(allowAnonymous, idMustMatch, false);
    }

    private MqttHarness harness(boolean allowAnonymous, boolean idMustMatch, boolean delivery) throws Exception {
        if (auth == null) {
            Path pw = dir.resolve("passwd");
            PasswordFile.write(pw, Map.of("alice", PasswordHash.create(utf8("alice-pw"), 1000)));
            Path acl = Files.writeString(dir.resolve("acl"), """
                    topic write public/#
                    user alice
                    topic write sensors/alice/#
                    topic read cmd/alice/#
                    topic write cmd/alice/#
                    topic deny cmd/alice/private
                    topic deny cmd/alice/secret/#
                    pattern write devices/%u/#
                    """);
            auth = new Authenticator(new AuthConfig(allowAnonymous, idMustMatch, true, 1, 16, 100, 4),
                    PasswordFile.load(pw), AclFile.load(acl));
        }
        ManualIngest ingest = new ManualIngest();
        MqttStats stats = new MqttStats();
        SessionRegistry registry = new SessionRegistry(new MemorySessionStore(), Clock.systemUTC(), stats);
        registry.load();
        io.sluice.mqtt.internal.outbound.Broker broker = !delivery ? null : new io.sluice.mqtt.internal.outbound.Broker(
                new MemoryDeliveryLog(), "node-a", io.sluice.mqtt.DeliveryLimits.defaults(), stats, Clock.systemUTC());
        Context ctx = new Context(MqttHarness.config(64, 4, 4096), ingest, new InflightBudget(1 << 20), registry,
                stats, Clock.systemUTC(), new AtomicLong(), new AtomicBoolean(true), auth, broker);
        if (broker != null) {
            broker.start(registry);
        }
        MqttHarness h = new MqttHarness(ctx, ingest);
        open.add(h);
        return h;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** CONNECT and wait for the CONNACK (a password check completes on the verifier's thread). */
    private static MqttConnAckMessage connect(MqttHarness h, MqttVersion v, String id, String user, String pw) {
        MqttMessageBuilders.ConnectBuilder b = MqttMessageBuilders.connect().protocolVersion(v).clientId(id)
                .cleanSession(true).keepAlive(60);
        if (user != null) {
            b.hasUser(true).username(user);
        }
        if (pw != null) {
            b.hasPassword(true).password(utf8(pw));
        }
        List<MqttMessage> answers = new ArrayList<>(h.send(b.build()));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5)).until(() -> {
            answers.addAll(h.pump());
            return !answers.isEmpty();
        });
        return (MqttConnAckMessage) answers.get(0);
    }

    private static MqttConnectReturnCode code(MqttConnAckMessage m) {
        return m.variableHeader().connectReturnCode();
    }

    @Test
    void wrongPassword_unknownUser_andAnonymous_areRefusedWithTheSpecsCodes() throws Exception {
        MqttHarness h = harness(false, false);
        assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD,
                code(connect(h, MqttVersion.MQTT_5, "c1", "alice", "wrong")));
        assertFalse(h.server.isActive());
        assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD,
                code(connect(harness(false, false), MqttVersion.MQTT_3_1_1, "c2", "mallory", "x")));
        assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5,
                code(connect(harness(false, false), MqttVersion.MQTT_5, "c3", null, null)));
        assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED,
                code(connect(harness(false, false), MqttVersion.MQTT_3_1_1, "c4", null, null)));
        MqttHarness last = open.get(open.size() - 1);
        assertEquals(1, last.ctx.stats().event("anonymous_not_authorized"));
        assertEquals(1, h.ctx.stats().event("bad_username_or_password"));
        assertEquals(0, h.ingest.count());
    }

    @Test
    void rightPassword_connects_andRecordsCarryThePasswordIdentity() throws Exception {
        MqttHarness h = harness(false, false);
        assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED, code(connect(h, MqttVersion.MQTT_5, "c1", "alice",
                "alice-pw")));
        h.send(publish("sensors/alice/t", 1, 1, new byte[] {1}));
        assertEquals(Identity.password("alice"), h.ingest.received.get(0).identity());
    }

    @Test
    void clientIdMustMatchIdentity_refusesAnotherId_withBothLevelsCodes() throws Exception {
        assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID,
                code(connect(harness(false, true), MqttVersion.MQTT_5, "not-alice", "alice", "alice-pw")));
        assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED,
                code(connect(harness(false, true), MqttVersion.MQTT_3_1_1, "not-alice", "alice", "alice-pw")));
        assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED,
                code(connect(harness(false, true), MqttVersion.MQTT_3_1_1, "alice", "alice", "alice-pw")));
    }

    @Test
    void certificateIdentity_isTheIdentity_andMustMatchTheClientIdWhenAsked() throws Exception {
        MqttHarness h = harness(false, true);
        CertificateIdentity.set(h.server, "dev-7");
        assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED, code(connect(h, MqttVersion.MQTT_5, "dev-7",
                null, null)));
        h.send(publish("devices/dev-7/temp", 0, 0, new byte[] {1}));
        assertEquals(Identity.certificate("dev-7"), h.ingest.received.get(0).identity());

        MqttHarness other = harness(false, true);
        CertificateIdentity.set(other.server, "dev-7");
        assertEquals(MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID,
                code(connect(other, MqttVersion.MQTT_5, "dev-8", null, null)));
    }

    @Test
    void publishToAForeignTopic_mqtt5Qos1_getsPuback0x87InOrder_andNothingIsWritten() throws Exception {
        MqttHarness h = harness(false, false);
        connect(h, MqttVersion.MQTT_5, "c1", "alice", "alice-pw");
        assertTrue(h.send(publish("sensors/alice/t", 1, 1, new byte[] {1}),
                publish("sensors/bob/t", 1, 2, new byte[] {2})).isEmpty(), "0x87 waits for the PUBACK before it");
        assertEquals(1, h.ingest.count(), "the foreign reading is not written");
        h.ingest.complete(0, Delivery.DELIVERED);
        List<MqttMessage> acks = h.pump();
        assertEquals(2, acks.size());
        assertEquals(0, reason(acks.get(0)));
        assertEquals(2, ((MqttPubReplyMessageVariableHeader) acks.get(1).variableHeader()).messageId());
        assertEquals(0x87, reason(acks.get(1)));
        assertEquals(1, h.ctx.stats().event("publish_not_authorized"));

        assertEquals(0x87, reason(h.send(publish("sensors/carol/t", 1, 3, new byte[] {3})).get(0)),
                "with nothing before it, at once");
        assertTrue(h.send(publish("sensors/bob/t", 0, 0, new byte[] {4})).isEmpty(), "QoS 0: dropped");
        assertEquals(3, h.ctx.stats().event("publish_not_authorized"));
        assertEquals(1, h.ingest.count());
        assertTrue(h.server.isActive());
    }

    @Test
    void publishToAForeignTopic_qos2_getsPubrec0x87InMqtt5_andClosesMqtt311_andNothingIsWritten() throws Exception {
        harness(false, false); // the authenticator
        for (MqttVersion v : List.of(MqttVersion.MQTT_5, MqttVersion.MQTT_3_1_1)) {
            ExactlyOnceIngest ingest = new ExactlyOnceIngest(new MemorySessionStore());
            MqttStats stats = new MqttStats();
            SessionRegistry registry = new SessionRegistry(new MemorySessionStore(), Clock.systemUTC(), stats);
            registry.load();
            MqttHarness h = new MqttHarness(new Context(MqttHarness.config(64, 4, 4096), ingest,
                    new InflightBudget(1 << 20), registry, stats, Clock.systemUTC(), new AtomicLong(),
                    new AtomicBoolean(true), auth), null);
            open.add(h);
            connect(h, v, "c-" + v, "alice", "alice-pw");
            List<MqttMessage> answers = h.send(publish("sensors/bob/t", 2, 1, new byte[] {1}));
            if (v == MqttVersion.MQTT_5) {
                assertEquals(io.netty.handler.codec.mqtt.MqttMessageType.PUBREC, answers.get(0).fixedHeader().messageType());
                assertEquals(0x87, ((MqttPubReplyMessageVariableHeader) answers.get(0).variableHeader()).reasonCode()
                        & 0xff);
                assertTrue(h.server.isActive());
            } else {
                assertTrue(answers.isEmpty(), "MQTT 3.1.1 has no error PUBREC");
                assertFalse(h.server.isActive());
            }
            assertTrue(ingest.received.isEmpty());
            assertEquals(1, stats.event("publish_not_authorized"));
        }
    }

    @Test
    void publishToAForeignTopic_mqtt311Qos1_closesTheConnection() throws Exception {
        MqttHarness h = harness(false, false);
        connect(h, MqttVersion.MQTT_3_1_1, "c1", "alice", "alice-pw");
        assertTrue(h.send(publish("sensors/bob/t", 1, 1, new byte[] {1})).isEmpty(), "no PUBACK of any kind");
        assertFalse(h.server.isActive());
        assertEquals(0, h.ingest.count());
        assertEquals(1, h.ctx.stats().event("publish_not_authorized"));
    }

    @Test
    void subscribeToAForeignFilter_isRefused_0x87For5_0x80For311() throws Exception {
        for (MqttVersion v : List.of(MqttVersion.MQTT_5, MqttVersion.MQTT_3_1_1)) {
            MqttHarness h = harness(false, false);
            connect(h, v, "c-" + v, "alice", "alice-pw");
            MqttMessage sub = MqttMessageBuilders.subscribe().messageId(5)
                    .addSubscription(MqttQoS.AT_LEAST_ONCE, "cmd/alice/#")
                    .addSubscription(MqttQoS.AT_LEAST_ONCE, "cmd/#").build();
            MqttSubAckMessage suback = (MqttSubAckMessage) h.send(sub).get(0);
            assertEquals(List.of(1, v == MqttVersion.MQTT_5 ? 0x87 : 0x80), suback.payload().reasonCodes());
            assertEquals(1, h.ctx.stats().event("subscribe_not_authorized"));
        }
    }

    @Test
    void aDenyLine_refusesOnlyTheFiltersItCoversWhole_notWildcardsOverlappingIt() throws Exception {
        for (MqttVersion v : List.of(MqttVersion.MQTT_5, MqttVersion.MQTT_3_1_1)) {
            MqttHarness h = harness(false, false);
            connect(h, v, "c-" + v, "alice", "alice-pw");
            MqttMessage sub = MqttMessageBuilders.subscribe().messageId(5)
                    .addSubscription(MqttQoS.AT_LEAST_ONCE, "cmd/alice/#")
                    .addSubscription(MqttQoS.AT_LEAST_ONCE, "cmd/alice/+")
                    .addSubscription(MqttQoS.AT_LEAST_ONCE, "cmd/alice/private")
                    .addSubscription(MqttQoS.AT_LEAST_ONCE, "cmd/alice/secret/+").build();
            MqttSubAckMessage suback = (MqttSubAckMessage) h.send(sub).get(0);
            int no = v == MqttVersion.MQTT_5 ? 0x87 : 0x80;
            assertEquals(List.of(1, 1, no, no), suback.payload().reasonCodes());
            assertEquals(2, h.ctx.stats().event("subscribe_not_authorized"));
        }
    }

    @Test
    void aSharedSubscription_isAuthorizedAsTheFilterItShares() throws Exception {
        MqttHarness h = harness(false, false, true);
        connect(h, MqttVersion.MQTT_5, "c-shared", "alice", "alice-pw");
        MqttMessage sub = MqttMessageBuilders.subscribe().messageId(5)
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "$share/g/cmd/alice/#")
                .addSubscription(MqttQoS.AT_LEAST_ONCE, "$share/g/cmd/#").build();
        MqttSubAckMessage suback = (MqttSubAckMessage) h.send(sub).get(0);
        assertEquals(List.of(1, 0x87), suback.payload().reasonCodes());
    }

    @Test
    void anonymousAllowed_usesTheAnonymousLines_only() throws Exception {
        MqttHarness h = harness(true, false);
        assertEquals(MqttConnectReturnCode.CONNECTION_ACCEPTED, code(connect(h, MqttVersion.MQTT_5, "anon", null,
                null)));
        h.send(publish("public/x", 0, 0, new byte[] {1}), publish("sensors/alice/t", 0, 0, new byte[] {1}));
        assertEquals(1, h.ingest.count());
        assertEquals(Identity.ANONYMOUS, h.ingest.received.get(0).identity());
    }

    private static int reason(MqttMessage puback) {
        assertEquals(MqttMessageType.PUBACK, puback.fixedHeader().messageType());
        return ((MqttPubReplyMessageVariableHeader) puback.variableHeader()).reasonCode() & 0xff;
    }
}
