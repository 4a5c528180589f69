package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.ReferenceCountUtil;
import io.sluice.mqtt.DeliveryLimits;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzz target of delivery: three clients connect (3.1.1 or 5, persistent or not), subscribe, unsubscribe, publish,
 * acknowledge or not, disconnect and reconnect in any order while the in-memory delivery log hands messages back
 * whenever the input says. Checked: each session receives its first sends (neither DUP nor retained) in log order
 * (a message twice in a row when a plain and a shared subscription of the session both match it);
 * when every session has ended, every log position is finished and committed, and nothing stays counted as queued,
 * in flight or reserved. In a normal run it replays {@code DeliveryFuzzTestInputs/}; with {@code JAZZER_FUZZ=1} it
 * fuzzes.
 */
class DeliveryFuzzTest {
    private static final String[] FILTERS = {"t/a", "t/+", "t/#", "#", "$share/g/t/a", "x"};
    private static final String[] TOPICS = {"t/a", "t/b", "x"};
    private static final int CLIENTS = 3;

    @BeforeAll
    static void quiet() {
        FuzzLogs.quiet();
    }

    @AfterAll
    static void restore() {
        FuzzLogs.restore();
    }

    @FuzzTest(maxDuration = "20s")
    void anySequence_deliversInOrder_andFinishesEveryPosition(FuzzedDataProvider data) {
        DeliveryFixture node = new DeliveryFixture(new DeliveryLimits(2, data.consumeInt(0, 6), 1 << 20, 1 << 20));
        try {
            new Run(node).run(data);
        } finally {
            node.close();
        }
    }

    private static final class Run {
        final DeliveryFixture node;
        final MqttHarness[] clients = new MqttHarness[CLIENTS];
        final boolean[] persistent = new boolean[CLIENTS];
        final Map<String, Integer> lastSeq = new HashMap<>();
        /** Per client: PUBLISHes (QoS 1/2) received and not yet acknowledged, by packet id, and PUBRELs to answer. */
        final List<List<int[]>> unacked = new ArrayList<>();
        MqttHarness publisher;
        int seq;

        Run(DeliveryFixture node) {
            this.node = node;
            for (int i = 0; i < CLIENTS; i++) {
                unacked.add(new ArrayList<>());
            }
        }

        void run(FuzzedDataProvider data) {
            publisher = node.connect(MqttVersion.MQTT_5, "publisher", 0);
            for (int step = 0; step < 60 && data.remainingBytes() > 0; step++) {
                int k = data.consumeInt(0, CLIENTS - 1);
                switch (data.consumeInt(0, 7)) {
                    case 0 -> connect(k, data.consumeBoolean(), data.consumeBoolean());
                    case 1 -> send(k, DeliveryFixture.subscribe(1, FILTERS[data.consumeInt(0, FILTERS.length - 1)],
                            data.consumeInt(0, 2)));
                    case 2 -> publish(TOPICS[data.consumeInt(0, TOPICS.length - 1)], data.consumeInt(0, 1),
                            data.consumeBoolean());
                    case 3 -> ackAll(k);
                    case 4 -> disconnect(k);
                    case 5 -> node.log.deliver();
                    case 6 -> send(k, MqttMessageBuilders.unsubscribe().messageId(2)
                            .addTopicFilter(FILTERS[data.consumeInt(0, FILTERS.length - 1)]).build());
                    default -> pumpAll();
                }
            }
            // the end: everything delivered and acknowledged, then every session ended by a clean start
            node.log.deliver();
            for (int round = 0; round < 50; round++) {
                for (int k = 0; k < CLIENTS; k++) {
                    ackAll(k);
                }
            }
            for (int k = 0; k < CLIENTS; k++) {
                disconnect(k);
                MqttHarness h = node.client();
                h.connect(MqttVersion.MQTT_3_1_1, "c" + k, true, 0);
                h.server.close();
                h.pump();
            }
            assertEquals(node.log.appended.size(), node.log.committed < 0 ? 0 : node.log.committed,
                    "every position finished");
            assertEquals(0, node.broker.queuedBytes());
            assertEquals(0, node.stats.deliveryQueued.get());
            assertEquals(0, node.stats.deliveryInflight.get());
            assertEquals(0, node.broker.index().size());
        }

        void connect(int k, boolean v5, boolean persistentSession) {
            if (clients[k] != null) {
                return;
            }
            MqttHarness h = node.client();
            clients[k] = h;
            persistent[k] = persistentSession;
            List<MqttMessage> a = h.send(MqttMessageBuilders.connect()
                    .protocolVersion(v5 ? MqttVersion.MQTT_5 : MqttVersion.MQTT_3_1_1).clientId("c" + k)
                    .cleanSession(false).keepAlive(60).properties(v5 && persistentSession ? expiry() : null).build());
            received(k, a);
        }

        private static io.netty.handler.codec.mqtt.MqttProperties expiry() {
            io.netty.handler.codec.mqtt.MqttProperties p = new io.netty.handler.codec.mqtt.MqttProperties();
            p.add(new io.netty.handler.codec.mqtt.MqttProperties.IntegerProperty(
                    io.netty.handler.codec.mqtt.MqttProperties.SESSION_EXPIRY_INTERVAL, 3600));
            return p;
        }

        void send(int k, MqttMessage m) {
            if (clients[k] == null) {
                ReferenceCountUtil.release(m);
                return;
            }
            received(k, clients[k].send(m));
        }

        void publish(String topic, int qos, boolean retain) {
            byte[] payload = String.valueOf(++seq).getBytes(StandardCharsets.UTF_8);
            publisher.send(retain ? DeliveryFixture.retained(topic, qos, seq % 60_000 + 1, payload)
                    : MqttHarness.publish(topic, qos, seq % 60_000 + 1, payload));
        }

        void pumpAll() {
            for (int k = 0; k < CLIENTS; k++) {
                if (clients[k] != null) {
                    received(k, clients[k].pump());
                }
            }
        }

        void ackAll(int k) {
            if (clients[k] == null) {
                return;
            }
            received(k, clients[k].pump());
            List<int[]> todo = new ArrayList<>(unacked.get(k));
            unacked.get(k).clear();
            for (int[] a : todo) {
                MqttMessageType type = a[1] == 1 ? MqttMessageType.PUBACK
                        : a[1] == 2 ? MqttMessageType.PUBREC : MqttMessageType.PUBCOMP;
                send(k, DeliveryFixture.ack(type, a[0]));
            }
        }

        void disconnect(int k) {
            if (clients[k] == null) {
                return;
            }
            clients[k].server.close();
            clients[k].pump();
            clients[k] = null;
            unacked.get(k).clear();
        }

        void received(int k, List<MqttMessage> answers) {
            for (MqttMessage m : answers) {
                if (m instanceof MqttPublishMessage p) {
                    int qos = p.fixedHeader().qosLevel().value();
                    if (!p.fixedHeader().isDup() && !p.fixedHeader().isRetain()) {
                        int s = Integer.parseInt(DeliveryFixture.text(p));
                        Integer last = lastSeq.put("c" + k, s);
                        // the same message twice in a row is allowed: a plain and a shared subscription of one
                        // session may both match it (MQTT 5 section 4.8.2)
                        assertTrue(last == null || s >= last, "c" + k + " got " + s + " after " + last);
                    }
                    if (qos > 0) {
                        unacked.get(k).add(new int[] {p.variableHeader().packetId(), qos});
                    }
                } else if (m.fixedHeader().messageType() == MqttMessageType.PUBREL) {
                    unacked.get(k).add(new int[] {DeliveryFixture.packetId(m), 3});
                }
                ReferenceCountUtil.release(m);
            }
        }
    }
}
