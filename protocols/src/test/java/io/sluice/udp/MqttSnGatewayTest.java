package io.sluice.udp;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.ingest.Delivery;
import io.sluice.ingest.Envelope;
import io.sluice.ingest.InflightBudget;
import io.sluice.ingest.Ingest;
import io.sluice.ingest.Protocols;
import io.sluice.udp.internal.MqttSnCore;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class MqttSnGatewayTest {
    private static final MqttSnConfig CONFIG =
            MqttSnConfig.of("127.0.0.1", 0, Map.of(7, "sensors/predefined"), 60_000, 1024);
    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);

    /** Ingest whose deliveries the test completes by hand. */
    private static final class ManualIngest implements Ingest {
        final ConcurrentLinkedQueue<Envelope> got = new ConcurrentLinkedQueue<>();
        final List<CompletableFuture<Delivery>> pending = new CopyOnWriteArrayList<>();
        volatile boolean autoComplete;

        @Override
        public CompletionStage<Delivery> submit(Envelope e) {
            got.add(e);
            CompletableFuture<Delivery> f = new CompletableFuture<>();
            if (autoComplete) {
                f.complete(Delivery.DELIVERED);
            } else {
                pending.add(f);
            }
            return f;
        }
    }

    private static final class Replies {
        final List<byte[]> got = new CopyOnWriteArrayList<>();

        void accept(InetSocketAddress to, byte[] b) {
            got.add(b);
        }

        byte[] last() {
            return got.get(got.size() - 1);
        }
    }

    private static int type(byte[] b) {
        return b[1] & 0xff;
    }

    @Test
    void qos1Puback_isSent_onlyAfterIngestDelivered_andDupIsWrittenOnce() {
        ManualIngest ingest = new ManualIngest();
        MqttSnStats stats = new MqttSnStats();
        MqttSnCore core = new MqttSnCore(CONFIG, ingest, new InflightBudget(1 << 20), stats, System::currentTimeMillis);
        Replies r = new Replies();
        core.onDatagram(MqttSnTestClient.connect("dev-1", true), CLIENT, r::accept);
        assertArrayEquals(new byte[] {3, 0x05, 0}, r.last());
        core.onDatagram(MqttSnTestClient.register(1, "sensors/t"), CLIENT, r::accept);
        assertEquals(0x0B, type(r.last()));
        int topicId = ((r.last()[2] & 0xff) << 8) | (r.last()[3] & 0xff);
        core.onDatagram(MqttSnTestClient.publish(1, false, 0, topicId, 42, "21.5"), CLIENT, r::accept);
        assertEquals(2, r.got.size(), "no PUBACK before delivery");
        ingest.pending.get(0).complete(Delivery.DELIVERED);
        assertEquals(0x0D, type(r.last()));
        assertArrayEquals(new byte[] {7, 0x0D, 0, (byte) topicId, 0, 42, 0}, r.last());
        core.onDatagram(MqttSnTestClient.publish(1, true, 0, topicId, 42, "21.5"), CLIENT, r::accept);
        assertEquals(0x0D, type(r.last()));
        assertEquals(1, ingest.got.size(), "DUP retransmission written once");
        assertEquals(1, stats.event("duplicate"));
        Envelope e = ingest.got.peek();
        assertEquals("dev-1", e.clientId());
        assertEquals("sensors/t", e.topic());
        assertEquals(Protocols.MQTT_SN, e.protocol());
        assertEquals(1, e.qos());
        assertEquals("127.0.0.1:40000", e.source());
    }

    @Test
    void reusedMsgIdWithNewPayload_sentWithDup_isWritten_andOnlyATrueRetransmissionIsSuppressed() {
        ManualIngest ingest = new ManualIngest();
        ingest.autoComplete = true;
        MqttSnStats stats = new MqttSnStats();
        MqttSnCore core = new MqttSnCore(CONFIG, ingest, new InflightBudget(1 << 20), stats, System::currentTimeMillis);
        Replies r = new Replies();
        core.onDatagram(MqttSnTestClient.connect("radio", true), CLIENT, r::accept);
        core.onDatagram(MqttSnTestClient.register(1, "sensors/a"), CLIENT, r::accept);
        int topicA = r.last()[3] & 0xff;
        core.onDatagram(MqttSnTestClient.register(2, "sensors/b"), CLIENT, r::accept);
        int topicB = r.last()[3] & 0xff;
        core.onDatagram(MqttSnTestClient.publish(1, false, 0, topicA, 42, "21.5"), CLIENT, r::accept);
        // msg id 42 comes round again for a new reading whose first copy was lost on the radio: only its DUP arrives
        core.onDatagram(MqttSnTestClient.publish(1, true, 0, topicA, 42, "22.0"), CLIENT, r::accept);
        // the same id and payload on another topic is another reading too
        core.onDatagram(MqttSnTestClient.publish(1, true, 0, topicB, 42, "22.0"), CLIENT, r::accept);
        assertEquals(List.of("21.5", "22.0", "22.0"), ingest.got.stream()
                .map(e -> new String(e.payload(), java.nio.charset.StandardCharsets.UTF_8)).toList());
        assertEquals(List.of("sensors/a", "sensors/a", "sensors/b"), ingest.got.stream().map(Envelope::topic).toList());
        assertEquals(0, stats.event("duplicate"));
        // a true retransmission (same id, topic and payload, DUP set) is acknowledged and not written again
        core.onDatagram(MqttSnTestClient.publish(1, true, 0, topicA, 42, "22.0"), CLIENT, r::accept);
        assertEquals(3, ingest.got.size());
        assertEquals(1, stats.event("duplicate"));
        assertArrayEquals(new byte[] {7, 0x0D, 0, (byte) topicA, 0, 42, 0}, r.last());
    }

    @Test
    void reusedMsgIdWithNewPayload_whileTheFirstIsInFlight_isWrittenToo() {
        ManualIngest ingest = new ManualIngest();
        MqttSnStats stats = new MqttSnStats();
        MqttSnCore core = new MqttSnCore(CONFIG, ingest, new InflightBudget(1 << 20), stats, System::currentTimeMillis);
        Replies r = new Replies();
        core.onDatagram(MqttSnTestClient.connect("hasty", true), CLIENT, r::accept);
        core.onDatagram(MqttSnTestClient.publish(1, false, 1, 7, 9, "first"), CLIENT, r::accept);
        core.onDatagram(MqttSnTestClient.publish(1, true, 1, 7, 9, "second"), CLIENT, r::accept);
        assertEquals(2, ingest.got.size(), "a different reading under the same id is not a retransmission");
        core.onDatagram(MqttSnTestClient.publish(1, true, 1, 7, 9, "second"), CLIENT, r::accept);
        assertEquals(2, ingest.got.size());
        assertEquals(1, stats.event("duplicate_inflight"));
        int before = r.got.size();
        ingest.pending.forEach(f -> f.complete(Delivery.DELIVERED));
        assertEquals(before + 2, r.got.size(), "each copy written gets its PUBACK");
    }

    @Test
    void failedDelivery_answersCongestion_andSpentBudget_answersCongestionWithoutSubmitting() {
        ManualIngest ingest = new ManualIngest();
        MqttSnStats stats = new MqttSnStats();
        InflightBudget budget = new InflightBudget(1);
        MqttSnCore core = new MqttSnCore(CONFIG, ingest, budget, stats, System::currentTimeMillis);
        Replies r = new Replies();
        core.onDatagram(MqttSnTestClient.connect("dev-2", true), CLIENT, r::accept);
        core.onDatagram(MqttSnTestClient.publish(1, false, 1, 7, 1, "a"), CLIENT, r::accept);
        core.onDatagram(MqttSnTestClient.publish(1, false, 1, 7, 2, "b"), CLIENT, r::accept);
        assertEquals(MqttSnCore.RC_CONGESTION, r.last()[6]);
        assertEquals(1, stats.event("budget_spent"));
        ingest.pending.get(0).complete(Delivery.retryable("kafka down"));
        assertEquals(MqttSnCore.RC_CONGESTION, r.last()[6]);
        assertEquals(0, budget.usedBytes());
    }

    @Test
    void clientStateFollowsTheClientId_toANewAddress_andADupInFlightIsNotWrittenTwice() {
        ManualIngest ingest = new ManualIngest();
        MqttSnStats stats = new MqttSnStats();
        MqttSnCore core = new MqttSnCore(CONFIG, ingest, new InflightBudget(1 << 20), stats, System::currentTimeMillis);
        Replies r = new Replies();
        core.onDatagram(MqttSnTestClient.connect("roamer", false), CLIENT, r::accept);
        core.onDatagram(MqttSnTestClient.register(1, "sensors/roamer/t"), CLIENT, r::accept);
        int topicId = ((r.last()[2] & 0xff) << 8) | (r.last()[3] & 0xff);
        core.onDatagram(MqttSnTestClient.publish(1, false, 0, topicId, 5, "a"), CLIENT, r::accept);
        // the client retransmits before the first copy reached Kafka: not written again, not answered early
        core.onDatagram(MqttSnTestClient.publish(1, true, 0, topicId, 5, "a"), CLIENT, r::accept);
        assertEquals(1, ingest.got.size());
        assertEquals(1, stats.event("duplicate_inflight"));
        ingest.pending.get(0).complete(Delivery.DELIVERED);
        assertEquals(0x0D, type(r.last()));

        // the same client id from a new address (NAT rebinding) with clean session off keeps its topics
        InetSocketAddress moved = new InetSocketAddress("127.0.0.1", 40001);
        core.onDatagram(MqttSnTestClient.connect("roamer", false), moved, r::accept);
        core.onDatagram(MqttSnTestClient.publish(1, false, 0, topicId, 6, "b"), moved, r::accept);
        assertEquals(2, ingest.got.size(), "the registered topic id still resolves");
        assertEquals("sensors/roamer/t", ingest.got.stream().toList().get(1).topic());
        assertEquals(1, core.clientCount());
        // the old address no longer speaks for it
        int before = ingest.got.size();
        core.onDatagram(MqttSnTestClient.publish(1, false, 0, topicId, 7, "c"), CLIENT, r::accept);
        assertEquals(before, ingest.got.size());
        assertEquals(1, stats.event("not_connected"));
    }

    @Test
    void aClientCannotRegisterTopicsWithoutBound() {
        MqttSnStats stats = new MqttSnStats();
        MqttSnCore core = new MqttSnCore(CONFIG, new ManualIngest(), new InflightBudget(1 << 20), stats,
                System::currentTimeMillis);
        Replies r = new Replies();
        core.onDatagram(MqttSnTestClient.connect("greedy", true), CLIENT, r::accept);
        for (int i = 0; i < 300; i++) {
            core.onDatagram(MqttSnTestClient.register(i + 1, "t/" + i), CLIENT, r::accept);
        }
        assertEquals(MqttSnCore.RC_NOT_SUPPORTED, r.last()[6], "refused past the per-client cap");
        assertEquals(300 - 256, stats.event("too_many_topics"));
    }

    private static MqttSnCore core(MqttSnLimits limits, ManualIngest ingest, MqttSnStats stats, long[] now) {
        return new MqttSnCore(CONFIG.withLimits(limits), ingest, new InflightBudget(1 << 20), stats, () -> now[0]);
    }

    private static InetSocketAddress from(int i) {
        return new InetSocketAddress("127.0.0." + (1 + i / 60_000), 1024 + i % 60_000);
    }

    @Test
    void connectForANewClientBeyondMaxClients_getsCongestion_isCounted_andRoomFreesWhenAClientLeaves() {
        MqttSnStats stats = new MqttSnStats();
        long[] now = {1_000};
        MqttSnCore core = core(new MqttSnLimits(2, 256, 16_384, 1 << 20, 32), new ManualIngest(), stats, now);
        Replies r = new Replies();
        core.onDatagram(MqttSnTestClient.connect("first", true), from(1), r::accept);
        core.onDatagram(MqttSnTestClient.connect("second", false), from(2), r::accept);
        assertArrayEquals(new byte[] {3, 0x05, 0}, r.last());
        core.onDatagram(MqttSnTestClient.connect("third", true), from(3), r::accept);
        assertArrayEquals(new byte[] {3, 0x05, MqttSnCore.RC_CONGESTION}, r.last(), "rejected: congestion");
        assertEquals(1, stats.event("too_many_clients"));
        assertEquals(2, core.clientCount());
        // clients already held may reconnect, with clean session on or off, from anywhere
        core.onDatagram(MqttSnTestClient.connect("first", false), from(4), r::accept);
        assertArrayEquals(new byte[] {3, 0x05, 0}, r.last());
        core.onDatagram(MqttSnTestClient.connect("second", true), from(2), r::accept);
        assertArrayEquals(new byte[] {3, 0x05, 0}, r.last());
        assertEquals(2, core.clientCount());
        // a DISCONNECT without a duration frees its place
        core.onDatagram(new byte[] {2, 0x18}, from(2), r::accept);
        core.onDatagram(MqttSnTestClient.connect("third", true), from(3), r::accept);
        assertArrayEquals(new byte[] {3, 0x05, 0}, r.last());
        // so does forgetting an idle client
        now[0] += CONFIG.clientIdleMs() + 1;
        assertEquals(2, core.expireIdle());
        assertEquals(0, core.clientCount());
        core.onDatagram(MqttSnTestClient.connect("fourth", true), from(5), r::accept);
        core.onDatagram(MqttSnTestClient.connect("fifth", true), from(6), r::accept);
        assertArrayEquals(new byte[] {3, 0x05, 0}, r.last());
        assertEquals(1, stats.event("too_many_clients"));
    }

    @Test
    void strangerCyclingClientIds_fromOneAddress_holdsAtMostMaxClients_andTheirTopicBytesStayBounded() {
        MqttSnStats stats = new MqttSnStats();
        MqttSnLimits limits = new MqttSnLimits(1_000, 256, 1_024, 100_000, 32);
        MqttSnCore core = core(limits, new ManualIngest(), stats, new long[] {1_000});
        String longName = "x".repeat(200);
        for (int i = 0; i < 20_000; i++) {
            core.onDatagram(MqttSnTestClient.connect("s" + i, i % 2 == 0), CLIENT, (to, b) -> { });
            for (int t = 0; t < 8; t++) {
                core.onDatagram(MqttSnTestClient.register(t, longName + t), CLIENT, (to, b) -> { });
            }
        }
        assertEquals(limits.maxClients(), core.clientCount());
        assertEquals(19_000, stats.event("too_many_clients"));
        assertTrue(core.topicBytes() <= limits.maxTopicBytes(), "topic bytes " + core.topicBytes());
        assertTrue(stats.event("topic_bytes_per_client") > 0);
        assertTrue(stats.event("topic_bytes_total") > 0);
    }

    @Test
    void registeredTopicBytes_areBoundedPerClient_andInAll_andGivenBackWhenAClientIsForgotten() {
        MqttSnStats stats = new MqttSnStats();
        // each topic is charged its name's bytes plus 48: a 10-byte name costs 58, a 1-byte name 49
        MqttSnCore core = core(new MqttSnLimits(10, 256, 2 * 58, 3 * 58, 32), new ManualIngest(), stats,
                new long[] {1_000});
        Replies a = new Replies();
        Replies b = new Replies();
        core.onDatagram(MqttSnTestClient.connect("a", true), from(1), a::accept);
        core.onDatagram(MqttSnTestClient.register(1, "aaaaaaaaaa"), from(1), a::accept);
        core.onDatagram(MqttSnTestClient.register(2, "bbbbbbbbbb"), from(1), a::accept);
        assertArrayEquals(new byte[] {7, 0x0B, 0, 2, 0, 2, 0}, a.last());
        core.onDatagram(MqttSnTestClient.register(3, "c"), from(1), a::accept);
        assertArrayEquals(new byte[] {7, 0x0B, 0, 0, 0, 3, MqttSnCore.RC_NOT_SUPPORTED}, a.last(), "per client");
        assertEquals(1, stats.event("topic_bytes_per_client"));
        core.onDatagram(MqttSnTestClient.register(4, "aaaaaaaaaa"), from(1), a::accept);
        assertArrayEquals(new byte[] {7, 0x0B, 0, 1, 0, 4, 0}, a.last(), "a name already held costs nothing");

        core.onDatagram(MqttSnTestClient.connect("b", false), from(2), b::accept);
        core.onDatagram(MqttSnTestClient.register(1, "0123456789"), from(2), b::accept);
        assertArrayEquals(new byte[] {7, 0x0B, 0, 1, 0, 1, 0}, b.last());
        core.onDatagram(MqttSnTestClient.register(2, "z"), from(2), b::accept);
        assertArrayEquals(new byte[] {7, 0x0B, 0, 0, 0, 2, MqttSnCore.RC_CONGESTION}, b.last(), "in all: try later");
        assertEquals(1, stats.event("topic_bytes_total"));
        assertEquals(3 * 58, core.topicBytes());

        // a clean-session CONNECT starts "a" afresh and gives its 20 bytes back
        core.onDatagram(MqttSnTestClient.connect("a", true), from(1), a::accept);
        assertEquals(58, core.topicBytes());
        core.onDatagram(MqttSnTestClient.register(3, "z"), from(2), b::accept);
        assertArrayEquals(new byte[] {7, 0x0B, 0, 2, 0, 3, 0}, b.last());
        core.onDatagram(new byte[] {2, 0x18}, from(2), b::accept);
        assertEquals(0, core.topicBytes());
    }

    @Test
    void qos1BeyondMaxInflightMessages_getsCongestion_andIsNotWritten_untilAnEarlierOneIsAcknowledged() {
        ManualIngest ingest = new ManualIngest();
        MqttSnStats stats = new MqttSnStats();
        MqttSnCore core = core(new MqttSnLimits(10, 256, 1_024, 1 << 20, 2), ingest, stats, new long[] {1_000});
        Replies r = new Replies();
        core.onDatagram(MqttSnTestClient.connect("burst", true), CLIENT, r::accept);
        core.onDatagram(MqttSnTestClient.publish(1, false, 1, 7, 1, "a"), CLIENT, r::accept);
        core.onDatagram(MqttSnTestClient.publish(1, false, 1, 7, 2, "b"), CLIENT, r::accept);
        core.onDatagram(MqttSnTestClient.publish(1, false, 1, 7, 3, "c"), CLIENT, r::accept);
        assertArrayEquals(new byte[] {7, 0x0D, 0, 7, 0, 3, MqttSnCore.RC_CONGESTION}, r.last());
        assertEquals(2, ingest.got.size());
        assertEquals(1, stats.event("inflight_full"));
        ingest.pending.get(0).complete(Delivery.DELIVERED);
        core.onDatagram(MqttSnTestClient.publish(1, true, 1, 7, 3, "c"), CLIENT, r::accept);
        assertEquals(3, ingest.got.size(), "the retransmission is taken once there is room");
    }

    @Test
    void cleanReconnectFromANewAddress_leavesTheOldAddressSpeakingForNobody() {
        ManualIngest ingest = new ManualIngest();
        MqttSnStats stats = new MqttSnStats();
        MqttSnCore core = core(MqttSnLimits.DEFAULTS, ingest, stats, new long[] {1_000});
        Replies r = new Replies();
        core.onDatagram(MqttSnTestClient.connect("mover", true), from(1), r::accept);
        core.onDatagram(MqttSnTestClient.connect("mover", true), from(2), r::accept);
        core.onDatagram(MqttSnTestClient.publish(1, false, 1, 7, 1, "stale"), from(1), r::accept);
        assertEquals(0, ingest.got.size());
        assertEquals(1, stats.event("not_connected"));
        assertEquals(1, core.clientCount());
    }

    @Test
    void willIsRefused_pingAnswered_sleepingDisconnectKeepsState() {
        ManualIngest ingest = new ManualIngest();
        long[] now = {1_000};
        MqttSnCore core = new MqttSnCore(CONFIG, ingest, new InflightBudget(1 << 20), new MqttSnStats(),
                () -> now[0]);
        Replies r = new Replies();
        byte[] willConnect = MqttSnTestClient.connect("dev-3", true);
        willConnect[2] |= 0x08;
        core.onDatagram(willConnect, CLIENT, r::accept);
        assertArrayEquals(new byte[] {3, 0x05, MqttSnCore.RC_NOT_SUPPORTED}, r.last());
        core.onDatagram(new byte[] {2, 0x16}, CLIENT, r::accept);
        assertArrayEquals(new byte[] {2, 0x17}, r.last());
        core.onDatagram(MqttSnTestClient.connect("dev-3", true), CLIENT, r::accept);
        core.onDatagram(new byte[] {4, 0x18, 0, 120}, CLIENT, r::accept);
        assertArrayEquals(new byte[] {2, 0x18}, r.last());
        now[0] += 100_000;
        assertEquals(0, core.expireIdle(), "asleep for 120 s, kept");
        now[0] += 100_000;
        assertEquals(1, core.expireIdle());
    }

    @Test
    void hundredThousandRandomAndMutatedDatagrams_neverThrow_andAWellBehavedClientKeepsWorking() {
        ManualIngest ingest = new ManualIngest();
        ingest.autoComplete = true;
        MqttSnStats stats = new MqttSnStats();
        InflightBudget budget = new InflightBudget(1 << 20);
        MqttSnCore core = new MqttSnCore(CONFIG, ingest, budget, stats, System::currentTimeMillis);
        Random rnd = new Random(7);
        byte[][] seeds = {
            MqttSnTestClient.connect("fz", true), MqttSnTestClient.register(1, "a/b"),
            MqttSnTestClient.publish(1, false, 0, 1, 1, "x"), MqttSnTestClient.publish(-1, false, 1, 7, 0, "y"),
            {2, 0x16}, {4, 0x18, 0, 1}, {1, 0, 5, 0x16, 0}
        };
        Replies good = new Replies();
        core.onDatagram(MqttSnTestClient.connect("good", true), CLIENT, good::accept);
        core.onDatagram(MqttSnTestClient.register(1, "good/t"), CLIENT, good::accept);
        int goodTopic = good.last()[3] & 0xff;
        int acks = 0;
        for (int i = 0; i < 100_000; i++) {
            byte[] d;
            if (rnd.nextBoolean()) {
                d = new byte[rnd.nextInt(40)];
                rnd.nextBytes(d);
            } else {
                d = seeds[rnd.nextInt(seeds.length)].clone();
                for (int m = 1 + rnd.nextInt(3); m > 0 && d.length > 0; m--) {
                    d[rnd.nextInt(d.length)] = (byte) rnd.nextInt(256);
                }
            }
            InetSocketAddress from = new InetSocketAddress("127.0.0." + (2 + rnd.nextInt(50)), 1000 + rnd.nextInt(10));
            core.onDatagram(d, from, (to, b) -> { });
            if (i % 1000 == 0) {
                int msgId = 1 + (i / 1000);
                core.onDatagram(MqttSnTestClient.publish(1, false, 0, goodTopic, msgId, "v" + i), CLIENT, good::accept);
                assertEquals(0x0D, type(good.last()));
                assertEquals(0, good.last()[6]);
                acks++;
            }
        }
        assertEquals(100, acks);
        assertTrue(ingest.got.stream().filter(e -> e.clientId().equals("good")).count() == 100);
        assertEquals(0, budget.usedBytes());
    }

    @Test
    void overRealUdp_connectRegisterPublishQos1_andQosMinus1PredefinedTopic() throws Exception {
        ManualIngest ingest = new ManualIngest();
        try (MqttSnGateway gw = new MqttSnGateway(CONFIG, ingest, new InflightBudget(1 << 20))) {
            int port = gw.start();
            try (MqttSnTestClient c = new MqttSnTestClient(port)) {
                c.send(MqttSnTestClient.publish(-1, false, 1, 7, 0, "no-connect"));
                c.send(MqttSnTestClient.connect("udp-dev", true));
                assertArrayEquals(new byte[] {3, 0x05, 0}, c.receive());
                c.send(MqttSnTestClient.register(5, "sensors/udp"));
                byte[] regack = c.receive();
                assertEquals(0x0B, type(regack));
                c.send(MqttSnTestClient.publish(1, false, 0, regack[3] & 0xff, 9, "1.0"));
                await().until(() -> ingest.pending.size() == 2);
                Envelope minus1 = ingest.got.peek();
                assertEquals("sensors/predefined", minus1.topic());
                assertEquals(-1, minus1.qos());
                ingest.pending.forEach(f -> f.complete(Delivery.DELIVERED));
                byte[] puback = c.receive();
                assertEquals(0x0D, type(puback));
                assertEquals(9, puback[5]);
                assertEquals(0, puback[6]);
            }
        }
    }
}
