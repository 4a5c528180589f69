package io.sluice.mqtt.internal;

import static io.sluice.mqtt.internal.DeliveryFixture.ack;
import static io.sluice.mqtt.internal.DeliveryFixture.packetId;
import static io.sluice.mqtt.internal.DeliveryFixture.publishes;
import static io.sluice.mqtt.internal.DeliveryFixture.retained;
import static io.sluice.mqtt.internal.DeliveryFixture.subscribe;
import static io.sluice.mqtt.internal.DeliveryFixture.text;
import static io.sluice.mqtt.internal.MqttHarness.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.auth.AclFile;
import io.sluice.auth.AuthConfig;
import io.sluice.auth.Authenticator;
import io.sluice.mqtt.DeliveryLimits;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ACL's read check per message at delivery: a subscription a deny line only overlaps is granted, and each
 * message is sent only when the subscriber may read its topic, on every path (live, retained on SUBSCRIBE, the
 * offline queue after a reconnect, a resend), with the refused copy finished and counted.
 */
class AclDeliveryTest {
    /** Everyone reads and writes t/#; client "sub" may not read t/secret/sub (others may write it). */
    private static final String ACL = """
            pattern readwrite t/#
            pattern deny t/secret/%c
            """;

    @TempDir
    Path dir;
    private Path aclPath;
    private AclFile acl;
    private Authenticator auth;
    private DeliveryFixture node;

    @BeforeEach
    void start() throws Exception {
        aclPath = Files.writeString(dir.resolve("acl"), ACL);
        acl = AclFile.load(aclPath);
        auth = new Authenticator(new AuthConfig(true, false, true, 1, 16, 100, 4), null, acl);
        node = new DeliveryFixture(new DeliveryLimits(4, 100, 1 << 20, 1 << 20), auth);
    }

    @AfterEach
    void close() {
        node.close();
        auth.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void publishAndDeliver(String... topics) {
        MqttHarness pub = node.connect(MqttVersion.MQTT_3_1_1, "pub-" + node.log.appended.size(), 0);
        int id = 1;
        for (String t : topics) {
            List<MqttMessage> acks = pub.send(publish(t, 1, id++, bytes(t)));
            assertEquals(MqttMessageType.PUBACK, acks.get(0).fixedHeader().messageType(), "the publisher may write");
        }
        node.log.deliver();
    }

    /** The topics of the PUBLISHes in {@code answers}, each acknowledged, and of what those acknowledgements free. */
    private static List<String> receiveAll(MqttHarness sub, List<MqttMessage> answers) {
        List<String> got = new ArrayList<>();
        List<MqttPublishMessage> batch = publishes(answers);
        for (int round = 0; round < 100 && !batch.isEmpty(); round++) {
            List<MqttPublishMessage> next = new ArrayList<>();
            for (MqttPublishMessage p : batch) {
                got.add(p.variableHeader().topicName());
                if (p.fixedHeader().qosLevel().value() > 0) {
                    next.addAll(publishes(sub.send(ack(MqttMessageType.PUBACK, packetId(p)))));
                }
            }
            batch = next;
        }
        return got;
    }

    private List<MqttMessage> reconnectSub(MqttHarness sub) {
        List<MqttMessage> answers = sub.send(MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_3_1_1)
                .clientId("sub").cleanSession(false).keepAlive(60).build());
        answers.addAll(sub.pump());
        assertEquals(MqttMessageType.CONNACK, answers.get(0).fixedHeader().messageType());
        return answers;
    }

    @Test
    void aWildcardSubscription_isGranted_andGetsEveryMessageButThoseItMayNotRead() {
        for (MqttVersion v : List.of(MqttVersion.MQTT_3_1_1, MqttVersion.MQTT_5)) {
            MqttHarness sub = node.connect(v, "sub", 0);
            MqttSubAckMessage suback = (MqttSubAckMessage) sub.send(subscribe(1, "t/#", 1)).get(0);
            assertEquals(List.of(1), suback.payload().reasonCodes(), "the deny line only overlaps t/#");
            publishAndDeliver("t/a", "t/secret/sub", "t/secret/other", "t/b");
            assertEquals(List.of("t/a", "t/secret/other", "t/b"), receiveAll(sub, sub.pump()), v.toString());
            sub.server.close();
            sub.pump();
        }
        assertEquals(2, node.stats.event("delivery_not_authorized"));
        assertEquals(8, node.log.committed, "the refused copies are finished: no position stays open");
        assertEquals(0, node.broker.queuedBytes());
    }

    @Test
    void retainedMessages_servedOnSubscribe_skipThoseTheSubscriberMayNotRead() {
        MqttHarness pub = node.connect(MqttVersion.MQTT_5, "pub", 0);
        pub.send(retained("t/secret/sub", 1, 1, bytes("s")), retained("t/open", 1, 2, bytes("o")));
        node.log.deliver(); // the retained topic hands them back
        MqttHarness sub = node.connect(MqttVersion.MQTT_5, "sub", 0);
        List<MqttMessage> answers = new ArrayList<>(sub.send(subscribe(1, "t/#", 1)));
        answers.addAll(sub.pump());
        assertEquals(List.of("t/open"), receiveAll(sub, answers));
        assertEquals(1, node.stats.event("delivery_not_authorized"));
        assertEquals(0, node.broker.queuedBytes());
    }

    @Test
    void theOfflineQueue_isCheckedWhenSentAfterReconnect_againstTheReloadedAcl() throws Exception {
        MqttHarness sub = node.connect(MqttVersion.MQTT_3_1_1, "sub", 3600);
        sub.send(subscribe(1, "t/#", 1));
        sub.server.close();
        sub.pump();
        publishAndDeliver("t/x", "t/y", "t/secret/sub");
        assertEquals(3, node.broker.view("sub").queued(), "offline: queued unchecked (no connection to ask)");

        Files.writeString(aclPath, ACL + "pattern deny t/x\n");
        acl.reload();
        MqttHarness again = node.client();
        assertEquals(List.of("t/y"), receiveAll(again, reconnectSub(again)));
        assertEquals(2, node.stats.event("delivery_not_authorized"));
        assertEquals(3, node.log.committed);
        assertEquals(0, node.broker.view("sub").queued());
    }

    @Test
    void aResendAfterReconnect_isNotSent_whenTheReloadedAclNoLongerAllowsIt() throws Exception {
        MqttHarness sub = node.connect(MqttVersion.MQTT_3_1_1, "sub", 3600);
        sub.send(subscribe(1, "t/#", 1));
        publishAndDeliver("t/x", "t/y");
        List<MqttPublishMessage> first = publishes(sub.pump());
        assertEquals(2, first.size());
        sub.server.close(); // no PUBACK: both go back to the head of the queue
        sub.pump();

        Files.writeString(aclPath, ACL + "pattern deny t/x\n");
        acl.reload();
        MqttHarness again = node.client();
        List<MqttMessage> answers = reconnectSub(again);
        List<MqttPublishMessage> resent = publishes(answers);
        assertEquals(List.of("t/y"), resent.stream().map(DeliveryFixture::text).toList());
        assertTrue(resent.get(0).fixedHeader().isDup());
        assertEquals(1, node.stats.event("delivery_not_authorized"));
        again.send(ack(MqttMessageType.PUBACK, packetId(resent.get(0))));
        assertEquals(2, node.log.committed, "the refused resend is finished too");
    }
}
