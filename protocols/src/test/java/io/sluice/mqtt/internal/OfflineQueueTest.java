package io.sluice.mqtt.internal;

import static io.sluice.mqtt.internal.DeliveryFixture.ack;
import static io.sluice.mqtt.internal.DeliveryFixture.packetId;
import static io.sluice.mqtt.internal.DeliveryFixture.publishes;
import static io.sluice.mqtt.internal.DeliveryFixture.subscribe;
import static io.sluice.mqtt.internal.DeliveryFixture.text;
import static io.sluice.mqtt.internal.MqttHarness.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.mqtt.DeliveryLimits;
import io.sluice.mqtt.internal.outbound.Broker;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Offline queues of persistent sessions, redelivery after a reconnect and after a restart, and their bounds. */
class OfflineQueueTest {
    private DeliveryFixture node = new DeliveryFixture(new DeliveryLimits(4, 5, 1 << 20, 1 << 20));

    @AfterEach
    void close() {
        node.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A persistent MQTT 3.1.1 subscriber to "t" at QoS 1, then offline. */
    private void offlineSubscriber() {
        MqttHarness sub = node.connect(MqttVersion.MQTT_3_1_1, "sub", 3600);
        sub.send(subscribe(1, "t", 1));
        sub.server.close();
        sub.pump();
    }

    private void publishAndDeliver(int qos, String... payloads) {
        MqttHarness pub = node.connect(MqttVersion.MQTT_3_1_1, "pub-" + node.log.appended.size(), 0);
        int id = 1;
        for (String p : payloads) {
            pub.send(publish("t", qos, id++, bytes(p)));
        }
        node.log.deliver();
    }

    /** Reconnects "sub" (persistent) and acknowledges everything it receives, up to {@code rounds} windows. */
    private List<String> reconnectAndReceiveAll(MqttHarness sub) {
        List<MqttMessage> answers = reconnect(sub);
        assertTrue(((MqttConnAckMessage) answers.get(0)).variableHeader().isSessionPresent());
        List<String> got = new ArrayList<>();
        List<MqttPublishMessage> batch = publishes(answers);
        for (int round = 0; round < 100 && !batch.isEmpty(); round++) {
            List<MqttPublishMessage> next = new ArrayList<>();
            for (MqttPublishMessage p : batch) {
                got.add(text(p));
                next.addAll(publishes(sub.send(ack(MqttMessageType.PUBACK, packetId(p)))));
            }
            batch = next;
        }
        return got;
    }

    /** CONNECT of the persistent "sub" (3.1.1, clean session 0): the CONNACK and whatever follows it at once. */
    private static List<MqttMessage> reconnect(MqttHarness sub) {
        List<MqttMessage> answers = sub.send(io.netty.handler.codec.mqtt.MqttMessageBuilders.connect()
                .protocolVersion(MqttVersion.MQTT_3_1_1).clientId("sub").cleanSession(false).keepAlive(60).build());
        answers.addAll(sub.pump());
        assertEquals(MqttMessageType.CONNACK, answers.get(0).fixedHeader().messageType());
        return answers;
    }

    @Test
    void anOfflinePersistentSession_getsItsQueuedMessagesInOrder_whenItReconnects() {
        offlineSubscriber();
        publishAndDeliver(1, "m1", "m2", "m3");
        assertEquals(3, node.broker.view("sub").queued());
        assertEquals(0, node.log.committed, "nothing finished while it is offline");
        assertEquals(List.of("m1", "m2", "m3"), reconnectAndReceiveAll(node.client()));
        assertEquals(3, node.log.committed);
    }

    @Test
    void qos0_isNotQueuedForAnOfflineSession_butCounted() {
        offlineSubscriber();
        publishAndDeliver(0, "lost");
        assertEquals(0, node.broker.view("sub").queued());
        assertEquals(1, node.stats.event("qos0_offline_dropped"));
        assertEquals(1, node.log.committed, "a dropped copy is finished");
    }

    @Test
    void beyondTheQueueBound_newMessagesAreDropped_countedAndShownPerSession() {
        offlineSubscriber();
        publishAndDeliver(1, "1", "2", "3", "4", "5", "6", "7");
        Broker.QueueView v = node.broker.view("sub");
        assertEquals(5, v.queued());
        assertEquals(2, v.dropped());
        assertEquals(2, node.stats.event("queue_full"));
        assertEquals(List.of("1", "2", "3", "4", "5"), reconnectAndReceiveAll(node.client()));
        assertEquals(7, node.log.committed);
    }

    @Test
    void theBytesBoundAcrossSessions_dropsAndCounts() {
        node.close();
        node = new DeliveryFixture(new DeliveryLimits(4, 100, 1_000, 1 << 20));
        offlineSubscriber();
        node.connect(MqttVersion.MQTT_3_1_1, "pub", 0).send(publish("t", 1, 1, new byte[600]),
                publish("t", 1, 2, new byte[600]));
        node.log.deliver();
        assertEquals(1, node.broker.view("sub").queued());
        assertEquals(1, node.stats.event("queued_bytes_full"));
        assertTrue(node.broker.queuedBytes() <= 1_000);
    }

    @Test
    void unacknowledgedMessages_areResentFirstWithDup_thenTheQueue() {
        MqttHarness sub = node.connect(MqttVersion.MQTT_3_1_1, "sub", 3600);
        sub.send(subscribe(1, "t", 1));
        publishAndDeliver(1, "a", "b");
        List<MqttPublishMessage> first = publishes(sub.pump());
        assertEquals(2, first.size());
        assertFalse(first.get(0).fixedHeader().isDup());
        sub.server.close(); // no PUBACK
        sub.pump();
        assertEquals(2, node.broker.view("sub").queued(), "back at the head of its queue");
        publishAndDeliver(1, "c");

        MqttHarness again = node.client();
        List<MqttPublishMessage> resent = publishes(reconnect(again));
        assertEquals(List.of("a", "b", "c"), resent.stream().map(DeliveryFixture::text).toList());
        assertTrue(resent.get(0).fixedHeader().isDup());
        assertTrue(resent.get(1).fixedHeader().isDup());
        assertFalse(resent.get(2).fixedHeader().isDup());
        assertEquals(packetId(first.get(0)), packetId(resent.get(0)), "same packet id");
        assertEquals(packetId(first.get(1)), packetId(resent.get(1)));
    }

    @Test
    void aQos2MessageAlreadyReceived_getsPubrelAgainAfterAReconnect() {
        MqttHarness sub = node.connect(MqttVersion.MQTT_3_1_1, "sub", 3600);
        sub.send(subscribe(1, "t", 2));
        node.log.append(new io.sluice.delivery.Message("t", bytes("x"), 2, false, "pub", node.clock.millis(), 0, -1,
                null, null, null, List.of()), List.of("node-a"));
        node.log.deliver();
        MqttPublishMessage got = publishes(sub.pump()).get(0);
        sub.send(ack(MqttMessageType.PUBREC, packetId(got)));
        sub.server.close();
        sub.pump();
        MqttHarness again = node.client();
        List<MqttMessage> answers = reconnect(again);
        assertEquals(MqttMessageType.PUBREL, answers.get(1).fixedHeader().messageType());
        assertTrue(publishes(answers).isEmpty(), "not the PUBLISH again");
        again.send(ack(MqttMessageType.PUBCOMP, packetId(got)));
        assertEquals(1, node.log.committed);
    }

    @Test
    void aCleanStart_dropsTheQueue_andFinishesItsMessages() {
        offlineSubscriber();
        publishAndDeliver(1, "m1", "m2");
        MqttHarness sub = node.client();
        MqttConnAckMessage c = sub.connect(MqttVersion.MQTT_3_1_1, "sub", true, 0);
        assertFalse(c.variableHeader().isSessionPresent());
        assertTrue(publishes(sub.pump()).isEmpty());
        assertEquals(2, node.log.committed);
        assertEquals(0, node.broker.index().size());
    }

    @Test
    void sessionExpiry_dropsTheQueue_andFinishesItsMessages() {
        offlineSubscriber();
        publishAndDeliver(1, "m1");
        node.clock.advance(java.time.Duration.ofSeconds(3601));
        assertEquals(1, node.registry.sweepExpired());
        assertEquals(1, node.log.committed);
        assertEquals(null, node.broker.view("sub"));
    }

    @Test
    void afterARestart_queuedAndUnacknowledgedMessagesComeBackInOrder() {
        MqttHarness sub = node.connect(MqttVersion.MQTT_3_1_1, "sub", 3600);
        sub.send(subscribe(1, "t", 1));
        publishAndDeliver(1, "m1", "m2");
        List<MqttPublishMessage> first = publishes(sub.pump());
        sub.send(ack(MqttMessageType.PUBACK, packetId(first.get(0)))); // m1 acknowledged, m2 not
        assertEquals(1, node.log.committed);
        sub.server.close();
        sub.pump();
        publishAndDeliver(1, "m3");

        node = node.restart(); // kill -9: memory gone, the store and the log remain
        node.log.deliver();
        assertEquals(2, node.broker.view("sub").queued(), "re-read from the committed position, re-matched");
        assertEquals(List.of("m2", "m3"), reconnectAndReceiveAll(node.client()));
        assertEquals(3, node.log.committed);
    }
}
