package io.sluice.udp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sluice.ingest.Delivery;
import io.sluice.ingest.Envelope;
import io.sluice.ingest.InflightBudget;
import io.sluice.ingest.Ingest;
import io.sluice.mqtt.internal.FuzzLogs;
import io.sluice.udp.MqttSnConfig;
import io.sluice.udp.MqttSnStats;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzz target of the MQTT-SN gateway's protocol state ({@link MqttSnCore}): arbitrary datagrams from four source
 * addresses, interleaved with delivery completions and idle sweeps. It checks the gateway's contract: no exception,
 * every reply a well-formed MQTT-SN packet of the gateway's kinds sent to a known source, a PUBACK "accepted" only
 * for a message whose payload the log took, the in-flight budget back to zero once every delivery completed, and
 * registered topics per client within the cap.
 *
 * <p>Input: records of {@code [control][length][datagram bytes]} (see {@link #anyDatagrams_keepTheGatewaysContract}).
 * In a normal test run it replays {@code MqttSnCoreFuzzTestInputs/}; with {@code JAZZER_FUZZ=1} it fuzzes
 * (docs/FUZZING.md). Runs on the test thread; the ingest completes only when the input says so.
 */
class MqttSnCoreFuzzTest {
    private static final InetSocketAddress[] SOURCES = {
            new InetSocketAddress("127.0.0.1", 40_001), new InetSocketAddress("127.0.0.1", 40_002),
            new InetSocketAddress("127.0.0.2", 40_001), new InetSocketAddress("::1", 40_001)};
    private static final long IDLE_MS = 60_000;
    /** MqttSnCore's documented cap on registered topics per client. */
    private static final int MAX_TOPICS_PER_CLIENT = 256;

    @BeforeAll
    static void quiet() {
        FuzzLogs.quiet();
    }

    @AfterAll
    static void restore() {
        FuzzLogs.restore();
    }

    /**
     * Each record: a control byte (bits 0-1 the source address; bits 2-3 what happens after the datagram: 0 nothing,
     * 1 the oldest pending delivery completes as delivered, 2 it completes as retryable or rejected (bit 6), 3 every
     * pending delivery completes as delivered; bit 4 the clock moves past the idle expiry and idle clients are swept;
     * bit 5 the next datagram repeats the previous one of this source with the DUP flag set when it is a PUBLISH),
     * a length byte, then that many datagram bytes (fewer at the end of the input). Finally every pending delivery
     * completes as delivered.
     */
    @FuzzTest(maxDuration = "20s")
    void anyDatagrams_keepTheGatewaysContract(byte[] input) {
        new Run().run(input);
    }

    private static final class Run implements Ingest {
        final MqttSnStats stats = new MqttSnStats();
        final InflightBudget budget = new InflightBudget(4096);
        long now = 1_000_000;
        final MqttSnCore core = new MqttSnCore(
                MqttSnConfig.of("127.0.0.1", 0, Map.of(1, "pre/one", 2, "pre/two"), IDLE_MS, 512), this, budget, stats,
                () -> now);
        final List<Pending> pending = new ArrayList<>();
        /** Payloads of envelopes the log took. */
        final Set<ByteBuffer> delivered = new HashSet<>();
        /** Per source and msg id: payloads of QoS 1 PUBLISHes sent since that id was last acknowledged. */
        final Map<String, Set<ByteBuffer>> unacked = new HashMap<>();
        /** Per source: topic ids the gateway answered REGISTER with as accepted. */
        final Map<InetSocketAddress, Set<Integer>> registered = new HashMap<>();
        final Map<InetSocketAddress, byte[]> last = new HashMap<>();

        private record Pending(Envelope envelope, CompletableFuture<Delivery> future) {
        }

        @Override
        public CompletionStage<Delivery> submit(Envelope e) {
            CompletableFuture<Delivery> f = new CompletableFuture<>();
            pending.add(new Pending(e, f));
            return f;
        }

        void run(byte[] input) {
            int i = 0;
            while (i + 1 < input.length) {
                int control = input[i] & 0xff;
                int length = Math.min(input[i + 1] & 0xff, input.length - i - 2);
                byte[] datagram = java.util.Arrays.copyOfRange(input, i + 2, i + 2 + length);
                i += 2 + length;
                InetSocketAddress from = SOURCES[control & 0x03];
                if ((control & 0x20) != 0 && last.containsKey(from)) {
                    datagram = withDup(last.get(from));
                }
                last.put(from, datagram);
                send(datagram, from);
                switch ((control >> 2) & 0x03) {
                    case 1 -> completeOldest(Delivery.DELIVERED);
                    case 2 -> completeOldest((control & 0x40) != 0 ? Delivery.rejected("kafka: too large (fuzz)")
                            : Delivery.retryable("kafka: timeout (fuzz)"));
                    case 3 -> completeAll();
                    default -> { }
                }
                if ((control & 0x10) != 0) {
                    now += IDLE_MS + 1;
                    core.expireIdle();
                }
            }
            completeAll();
            assertEquals(0, budget.usedBytes(), "in-flight budget back to zero once every delivery completed");
            registered.forEach((source, ids) -> assertTrue(ids.size() <= MAX_TOPICS_PER_CLIENT,
                    source + " registered " + ids.size() + " topics"));
        }

        private void send(byte[] datagram, InetSocketAddress from) {
            int[] qos1MsgId = publishQos1MsgId(datagram);
            if (qos1MsgId != null) {
                unacked.computeIfAbsent(from + "#" + qos1MsgId[0], k -> new HashSet<>())
                        .add(ByteBuffer.wrap(java.util.Arrays.copyOfRange(datagram, qos1MsgId[1], datagram.length)));
            }
            core.onDatagram(datagram, from, this::onReply);
        }

        private void completeOldest(Delivery d) {
            if (!pending.isEmpty()) {
                complete(pending.remove(0), d);
            }
        }

        private void completeAll() {
            for (int round = 0; round < 10_000 && !pending.isEmpty(); round++) {
                complete(pending.remove(0), Delivery.DELIVERED);
            }
            assertTrue(pending.isEmpty(), "deliveries kept coming");
        }

        private void complete(Pending p, Delivery d) {
            if (d.delivered()) {
                delivered.add(ByteBuffer.wrap(p.envelope().payload()));
            }
            p.future().complete(d);
        }

        private void onReply(InetSocketAddress to, byte[] b) {
            assertTrue(List.of(SOURCES).contains(to), "a reply goes to a source that sent: " + to);
            assertTrue(b.length >= 2 && (b[0] & 0xff) == b.length, "a reply's length byte is its length");
            int type = b[1] & 0xff;
            int expectedLength = switch (type) {
                case MqttSnCore.CONNACK, MqttSnCore.WILLTOPICRESP, MqttSnCore.WILLMSGRESP -> 3;
                case MqttSnCore.REGACK, MqttSnCore.PUBACK -> 7;
                case MqttSnCore.PINGRESP, MqttSnCore.DISCONNECT -> 2;
                default -> throw new AssertionError("a gateway sends no packet of type 0x" + Integer.toHexString(type));
            };
            assertEquals(expectedLength, b.length, "length of a reply of type 0x" + Integer.toHexString(type));
            int rc = b[b.length - 1] & 0xff;
            if (expectedLength > 2) {
                assertTrue(rc <= MqttSnCore.RC_NOT_SUPPORTED, "return code " + rc);
            }
            if (type == MqttSnCore.REGACK && rc == MqttSnCore.RC_ACCEPTED) {
                int topicId = MqttSnCore.u16(b, 2);
                assertTrue(topicId >= 1 && topicId < 0xFFFF, "an accepted REGACK names a topic id: " + topicId);
                registered.computeIfAbsent(to, k -> new HashSet<>()).add(topicId);
            }
            if (type == MqttSnCore.PUBACK && rc == MqttSnCore.RC_ACCEPTED) {
                Set<ByteBuffer> sent = unacked.remove(to + "#" + MqttSnCore.u16(b, 4));
                if (sent != null) {
                    assertTrue(sent.stream().anyMatch(delivered::contains), "PUBACK accepted for msg id "
                            + MqttSnCore.u16(b, 4) + " to " + to + ", but the log took none of the payloads sent"
                            + " with it since its last acknowledgement");
                }
            }
        }

        /** {msgId, payload offset} of a well-formed QoS 1 PUBLISH, else null. */
        private static int[] publishQos1MsgId(byte[] b) {
            int len;
            int p;
            if (b.length >= 4 && (b[0] & 0xff) == 0x01) {
                len = MqttSnCore.u16(b, 1);
                p = 3;
            } else if (b.length >= 2) {
                len = b[0] & 0xff;
                p = 1;
            } else {
                return null;
            }
            if (len != b.length || len < p + 6 || (b[p] & 0xff) != MqttSnCore.PUBLISH
                    || ((b[p + 1] >> 5) & 0x03) != 1) {
                return null;
            }
            return new int[] {MqttSnCore.u16(b, p + 4), p + 6};
        }

        /** The same datagram with the DUP flag set when it is a PUBLISH. */
        private static byte[] withDup(byte[] b) {
            byte[] copy = b.clone();
            int p = copy.length >= 4 && (copy[0] & 0xff) == 0x01 ? 3 : 1;
            if (copy.length > p + 1 && (copy[p] & 0xff) == MqttSnCore.PUBLISH) {
                copy[p + 1] |= (byte) 0x80;
            }
            return copy;
        }
    }
}
