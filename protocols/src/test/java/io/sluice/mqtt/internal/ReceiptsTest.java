package io.sluice.mqtt.internal;

import static io.sluice.mqtt.internal.DeliveryFixture.ack;
import static io.sluice.mqtt.internal.DeliveryFixture.packetId;
import static io.sluice.mqtt.internal.DeliveryFixture.publishes;
import static io.sluice.mqtt.internal.DeliveryFixture.subscribe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.delivery.Message;
import io.sluice.delivery.Origin;
import io.sluice.delivery.Receipt;
import io.sluice.delivery.Receipts;
import io.sluice.ingest.Delivery;
import io.sluice.mqtt.DeliveryLimits;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Downlink receipts (docs/DELIVERY.md, "Downlink receipts"): one per copy of a message with an origin and session,
 * when its fate is decided, and the copy's delivery position finished only once the receipt is durable.
 */
class ReceiptsTest {
    /** Receipts as the MQTT side hands them over; each write's stage completes when the test says so. */
    static final class RecordedReceipts implements Receipts {
        final List<Receipt> written = new ArrayList<>();
        final List<CompletableFuture<Void>> stages = new ArrayList<>();
        volatile boolean durableAtOnce = true;
        volatile boolean full;

        @Override
        public synchronized CompletionStage<Void> write(Receipt receipt) {
            if (full) {
                return null;
            }
            written.add(receipt);
            CompletableFuture<Void> f = new CompletableFuture<>();
            stages.add(f);
            if (durableAtOnce) {
                f.complete(null);
            }
            return f;
        }
    }

    private final DeliveryFixture node = new DeliveryFixture(new DeliveryLimits(4, 3, 1 << 20, 1 << 20));
    private final RecordedReceipts receipts = new RecordedReceipts();
    private long offset = 40;

    @BeforeEach
    void wire() {
        node.broker.useReceipts(receipts);
    }

    @AfterEach
    void close() {
        node.close();
    }

    /** A downlink message for {@code topic}, as the downlink reader makes it: publisher "", an origin. */
    private Message downlink(String topic, int qos, long expirySeconds) {
        return new Message(topic, "open".getBytes(StandardCharsets.UTF_8), qos, false, "", node.clock.millis(),
                expirySeconds, -1, null, null, null, List.of(), null,
                new Origin("sluice.downlink", 3, offset++, "dev-42"));
    }

    private void publishAndDeliver(Message m) {
        node.broker.publish(() -> CompletableFuture.completedFuture(Delivery.DELIVERED), m);
        node.log.deliver();
    }

    private MqttHarness subscriber(String id, int qos, long sessionExpiry) {
        MqttHarness sub = node.connect(MqttVersion.MQTT_3_1_1, id, sessionExpiry);
        sub.send(subscribe(1, "cmd/" + id, qos));
        return sub;
    }

    private void goOffline(MqttHarness sub) {
        sub.server.close();
        sub.pump();
    }

    private List<MqttMessage> reconnect(String id) {
        MqttHarness sub = node.client();
        List<MqttMessage> answers = sub.send(MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_3_1_1)
                .clientId(id).cleanSession(false).keepAlive(60).build());
        answers.addAll(sub.pump());
        return answers;
    }

    @Test
    void qos1Puback_writesAcked_namingTheDeviceAndTheOrigin_andThePositionWaitsForTheReceipt() {
        receipts.durableAtOnce = false;
        MqttHarness sub = subscriber("dev-42", 1, 3600);
        publishAndDeliver(downlink("cmd/dev-42", 1, 0));
        List<MqttPublishMessage> got = publishes(sub.pump());
        assertEquals(1, got.size());
        assertTrue(receipts.written.isEmpty(), "no receipt before the PUBACK");

        sub.send(ack(MqttMessageType.PUBACK, packetId(got.get(0))));
        assertEquals(1, receipts.written.size());
        Receipt r = receipts.written.get(0);
        assertEquals("dev-42", r.clientId());
        assertEquals(Receipt.Outcome.ACKED, r.outcome());
        assertNull(r.reason());
        assertEquals(new Origin("sluice.downlink", 3, 40, "dev-42"), r.origin());
        assertEquals("cmd/dev-42", r.topic());
        assertEquals(1, r.qos());
        assertEquals(node.log.node, r.nodeId());
        assertEquals(0, node.broker.positions().lowestUnfinished(), "the position waits for the receipt");

        receipts.stages.get(0).complete(null);
        assertEquals(1, node.broker.positions().lowestUnfinished());
        assertEquals(1, node.log.committed);
    }

    @Test
    void qos2Pubcomp_writesAcked() {
        MqttHarness sub = subscriber("dev-42", 2, 0);
        publishAndDeliver(downlink("cmd/dev-42", 2, 0));
        MqttPublishMessage p = publishes(sub.pump()).get(0);
        sub.send(ack(MqttMessageType.PUBREC, packetId(p)));
        assertTrue(receipts.written.isEmpty(), "PUBREC does not decide it: PUBCOMP does");
        sub.send(ack(MqttMessageType.PUBCOMP, packetId(p)));
        assertEquals(List.of(Receipt.Outcome.ACKED), outcomes());
        assertEquals(2, receipts.written.get(0).qos());
    }

    @Test
    void qos0Copy_writesSent() {
        MqttHarness sub = subscriber("dev-42", 0, 0);
        publishAndDeliver(downlink("cmd/dev-42", 1, 0));
        assertEquals(1, publishes(sub.pump()).size());
        assertEquals(List.of(Receipt.Outcome.SENT), outcomes());
        assertEquals(0, receipts.written.get(0).qos(), "the QoS it was sent with");
    }

    @Test
    void offlineQueueOverflow_writesQueueFull_forTheDroppedCopyOnly() {
        goOffline(subscriber("dev-42", 1, 3600));
        for (int i = 0; i < 4; i++) {
            publishAndDeliver(downlink("cmd/dev-42", 1, 0));
        }
        assertEquals(List.of(Receipt.Outcome.QUEUE_FULL), outcomes());
        assertEquals("queue_full", receipts.written.get(0).reason());
        assertEquals(43, receipts.written.get(0).origin().offset(), "the fourth, beyond the bound of 3");
    }

    @Test
    void expiryPassedWhileOffline_writesExpired_whenTheDeviceComesBack() {
        MqttHarness sub = subscriber("dev-42", 1, 3600);
        goOffline(sub);
        publishAndDeliver(downlink("cmd/dev-42", 1, 10));
        node.clock.advance(Duration.ofSeconds(11));
        assertTrue(receipts.written.isEmpty());
        assertTrue(publishes(reconnect("dev-42")).isEmpty(), "an expired message is not sent");
        assertEquals(List.of(Receipt.Outcome.EXPIRED), outcomes());
        assertEquals("delivery_expired", receipts.written.get(0).reason());
    }

    @Test
    void expiredBeforeItWasDispatched_writesExpired_forEachSessionItWasFor() {
        goOffline(subscriber("dev-42", 1, 3600));
        subscriber("dev-43", 1, 0);
        Message m = new Message("cmd/dev-42", new byte[] {1}, 1, false, "", node.clock.millis(),
                5, -1, null, null, null, List.of(), null, new Origin("d", 0, 7, null));
        node.broker.publish(() -> CompletableFuture.completedFuture(Delivery.DELIVERED), m);
        node.clock.advance(Duration.ofSeconds(6));
        node.log.deliver();
        assertEquals(List.of(Receipt.Outcome.EXPIRED), outcomes());
        assertEquals("dev-42", receipts.written.get(0).clientId());
        assertNull(receipts.written.get(0).origin().key());
        assertEquals(1, node.log.committed, "finished once the receipt is durable");
    }

    @Test
    void sessionEndedByACleanStart_writesDroppedWithItsReason() {
        MqttHarness sub = subscriber("dev-42", 1, 3600);
        goOffline(sub);
        publishAndDeliver(downlink("cmd/dev-42", 1, 0));
        node.connect(MqttVersion.MQTT_3_1_1, "dev-42", 0); // clean session: the old one ends
        assertEquals(List.of(Receipt.Outcome.DROPPED), outcomes());
        assertEquals("delivery_session_ended", receipts.written.get(0).reason());
    }

    @Test
    void aMessageAClientPublished_getsNoReceipt() {
        MqttHarness sub = subscriber("dev-42", 1, 0);
        MqttHarness pub = node.connect(MqttVersion.MQTT_3_1_1, "pub", 0);
        pub.send(MqttHarness.publish("cmd/dev-42", 1, 1, new byte[] {1}));
        node.log.deliver();
        MqttPublishMessage p = publishes(sub.pump()).get(0);
        sub.send(ack(MqttMessageType.PUBACK, packetId(p)));
        assertTrue(receipts.written.isEmpty());
        assertEquals(1, node.log.committed);
    }

    @Test
    void receiptsOff_finishAsBefore() {
        node.broker.useReceipts(Receipts.OFF);
        MqttHarness sub = subscriber("dev-42", 1, 0);
        publishAndDeliver(downlink("cmd/dev-42", 1, 0));
        sub.send(ack(MqttMessageType.PUBACK, packetId(publishes(sub.pump()).get(0))));
        assertTrue(receipts.written.isEmpty());
        assertEquals(1, node.log.committed);
    }

    @Test
    void aReceiptTheWriterDoesNotTake_leavesThePositionUnfinished_soARestartDeliversItAgain() {
        receipts.full = true;
        MqttHarness sub = subscriber("dev-42", 1, 3600);
        publishAndDeliver(downlink("cmd/dev-42", 1, 0));
        sub.send(ack(MqttMessageType.PUBACK, packetId(publishes(sub.pump()).get(0))));
        assertEquals(0, node.broker.positions().lowestUnfinished());
        assertTrue(node.log.committed <= 0, "not committed past the message: " + node.log.committed);
    }

    @Test
    void aSessionThatMovesToAnotherNode_takesTheOriginAlong_theOldNodeWritesNoReceipt_theNewNodeWritesIt() {
        DeliveryFixture a = new DeliveryFixture("node-a");
        DeliveryFixture b = new DeliveryFixture("node-b");
        RecordedReceipts atA = new RecordedReceipts();
        RecordedReceipts atB = new RecordedReceipts();
        a.broker.useReceipts(atA);
        b.broker.useReceipts(atB);
        try {
            MqttHarness mover = a.connect(MqttVersion.MQTT_5, "mover", 60);
            mover.send(subscribe(1, "cmd/mover", 1));
            mover.close();
            Message m = new Message("cmd/mover", new byte[] {1}, 1, false, "", a.clock.millis(), 0, -1, null, null,
                    null, List.of(), null, new Origin("sluice.downlink", 1, 99, "k"));
            a.broker.publish(() -> CompletableFuture.completedFuture(Delivery.DELIVERED), m);
            a.log.deliver();

            a.broker.remoteSession("mover", "node-b", true, java.util.Map.of("cmd/mover", 1), java.util.Map.of());

            Message handed = a.log.handOvers.get(0).messages().get(0).message();
            assertEquals(m.origin(), handed.origin());
            assertTrue(atA.written.isEmpty(), "its fate is decided on the new node");
            assertEquals(1, a.log.committed, "finished on the old node once the handover is durable");

            // the new node reads the handed-over record and the device acknowledges it there
            MqttHarness first = b.connect(MqttVersion.MQTT_5, "mover", 60);
            first.send(subscribe(1, "cmd/mover", 1));
            b.broker.listener().onHandedOver(0, "mover", handed, false);
            MqttPublishMessage p = publishes(first.pump()).get(0);
            first.send(ack(MqttMessageType.PUBACK, packetId(p)));
            assertEquals(1, atB.written.size());
            assertEquals(Receipt.Outcome.ACKED, atB.written.get(0).outcome());
            assertEquals(new Origin("sluice.downlink", 1, 99, "k"), atB.written.get(0).origin());
            assertEquals("node-b", atB.written.get(0).nodeId());
        } finally {
            a.close();
            b.close();
        }
    }

    private List<Receipt.Outcome> outcomes() {
        return receipts.written.stream().map(Receipt::outcome).toList();
    }
}
