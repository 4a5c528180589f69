package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.sluice.ingest.Delivery;
import io.sluice.ingest.Envelope;
import io.sluice.ingest.InflightBudget;
import io.sluice.ingest.Ingest;
import io.sluice.ingest.Outcome;
import io.sluice.mqtt.MqttConfig;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzz target of the MQTT front end: arbitrary byte streams, split into reads, through the pipeline exactly as
 * {@code MqttSource} builds it (MqttDecoder with the configured maximum packet size, encoder, flow control,
 * {@link MqttHandler}) on an EmbeddedChannel, with an in-memory ingest whose deliveries the input completes. It checks
 * the front end's contract, not Kafka: nothing escapes the pipeline, every buffer is released, every reply is a valid
 * MQTT packet of the server's kinds, PUBACKs follow PUBLISH order and answer only completed deliveries (code 0 only
 * for a delivered one, none for a retryable one), and the in-flight budget comes back to zero.
 *
 * <p>Input: byte 0 chooses the reads and the completions, byte 1 the limits, the rest is the stream from the client
 * (see {@link Plan}). In a normal test run it replays {@code MqttFrontEndFuzzTestInputs/}; with {@code JAZZER_FUZZ=1}
 * it fuzzes (docs/FUZZING.md). Everything runs on the test thread.
 */
class MqttFrontEndFuzzTest {
    private static final AttributeKey<MqttVersion> MQTT_VERSION = AttributeKey.valueOf("NETTY_CODEC_MQTT_VERSION");
    private static final Set<MqttMessageType> SERVER_PACKETS = Set.of(MqttMessageType.CONNACK, MqttMessageType.PUBACK,
            MqttMessageType.SUBACK, MqttMessageType.UNSUBACK, MqttMessageType.PINGRESP, MqttMessageType.DISCONNECT);
    /** What a server sends besides, with delivery on. */
    private static final Set<MqttMessageType> DELIVERY_PACKETS = Set.of(MqttMessageType.PUBLISH,
            MqttMessageType.PUBREL);
    private static final int MAX_ROUNDS = 10_000;

    @BeforeAll
    static void quiet() {
        FuzzLogs.quiet();
    }

    @AfterAll
    static void restore() {
        FuzzLogs.restore();
    }

    @FuzzTest(maxDuration = "20s")
    void anyByteStream_keepsTheFrontEndsContract(byte[] input) {
        if (input.length < 2) {
            return;
        }
        new Run(new Plan(input[0], input[1]), Arrays.copyOfRange(input, 2, input.length)).run();
    }

    /**
     * What the two control bytes choose. Byte 0: bits 0-2 the read size (0: the whole stream in one read, n: reads
     * of 2^(n-1) bytes); bits 3-4 the completions (0: delivered at once; 1: delivered, retryable or rejected by the
     * reading's index and byte 1's bits 5-7; 2: all delivered after the whole stream; 3: the client closes first and
     * completions come late); bit 5 delivery to subscribers on (an in-memory delivery log that hands messages back
     * after every read). Byte 1: bit 0 a 256-byte budget (else 1 MiB), bit 1 receive maximum 2 (else 64), bit 2 a
     * 64-byte maximum packet (else 4096), bit 3 the session store fails, bit 4 the listener is shutting down.
     */
    record Plan(int readSize, int completion, long budgetBytes, int receiveMaximum, int maxPacket, boolean storeFails,
                boolean shuttingDown, int outcomeShift, boolean delivery) {
        Plan(byte b0, byte b1) {
            this((b0 & 0x07) == 0 ? Integer.MAX_VALUE : 1 << ((b0 & 0x07) - 1), (b0 >> 3) & 0x03,
                    (b1 & 0x01) != 0 ? 256 : 1 << 20, (b1 & 0x02) != 0 ? 2 : 64, (b1 & 0x04) != 0 ? 64 : 4096,
                    (b1 & 0x08) != 0, (b1 & 0x10) != 0, (b1 >> 5) & 0x07, (b0 & 0x20) != 0);
        }
    }

    /** One reading handed to ingest, its packet id (-1: not a client PUBLISH, e.g. a will) and its fate. */
    private static final class Submission {
        final Envelope envelope;
        final int packetId;
        final CompletableFuture<Delivery> future = new CompletableFuture<>();
        Delivery delivery;

        Submission(Envelope envelope, int packetId) {
            this.envelope = envelope;
            this.packetId = packetId;
        }
    }

    /** A QoS 1 PUBLISH the client sent, as an independent decoder of the same bytes read it. */
    private record SentPublish(int packetId, byte[] payload) {
    }

    /** Every buffer the server's channel allocates (decoder cumulation, encoded replies) and every read we send. */
    private static final class TrackingAllocator extends AbstractByteBufAllocator {
        final List<ByteBuf> allocated = new ArrayList<>();

        TrackingAllocator() {
            super(false);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
            allocated.add(b);
            return b;
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity);
            allocated.add(b);
            return b;
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }
    }

    private static final class Run implements Ingest {
        final Plan plan;
        final byte[] stream;
        final TrackingAllocator alloc = new TrackingAllocator();
        final MemorySessionStore store = new MemorySessionStore();
        final Context ctx;
        final EmbeddedChannel server;
        /** Decodes the client's bytes independently, to know which QoS 1 PUBLISHes (packet ids) were sent. */
        final EmbeddedChannel shadow;
        /** Decodes what the server wrote, as a client would. */
        final EmbeddedChannel replies = new EmbeddedChannel(new MqttDecoder());
        final Deque<SentPublish> sentQos1 = new ArrayDeque<>();
        final List<Submission> submissions = new ArrayList<>();
        /** Submitted client QoS 1 PUBLISHes not yet answered by a PUBACK, in submission order. */
        final Deque<Submission> awaitingAck = new ArrayDeque<>();
        int connAcks;
        final MemoryDeliveryLog log = new MemoryDeliveryLog();
        final io.sluice.mqtt.internal.outbound.Broker broker;
        /** Bytes the server wrote, and bytes of them that made whole packets as the client's decoder read them. */
        long replyBytes;
        long decodedReplyBytes;

        Run(Plan plan, byte[] stream) {
            this.plan = plan;
            this.stream = stream;
            store.failing = plan.storeFails();
            MqttConfig config = new MqttConfig("127.0.0.1", 0, 1, 100, plan.maxPacket(), plan.receiveMaximum(), 4,
                    3600, 10_000, 1200, 30_000, 32L << 20);
            ctx = MqttHarness.context(config, null, new InflightBudget(plan.budgetBytes()), store);
            ctx.accepting().set(!plan.shuttingDown());
            broker = !plan.delivery() ? null : new io.sluice.mqtt.internal.outbound.Broker(log, "node-a",
                    io.sluice.mqtt.DeliveryLimits.defaults(), ctx.stats(), ctx.clock());
            Context withIngest = new Context(ctx.config(), this, ctx.budget(), ctx.sessions(), ctx.stats(), ctx.clock(),
                    ctx.outstanding(), ctx.accepting(), io.sluice.auth.Authenticator.open(), broker);
            if (broker != null) {
                broker.start(ctx.sessions());
            }
            server = new EmbeddedChannel(false, false, new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ProtocolLevelPin level = new ProtocolLevelPin();
                    ch.pipeline()
                            .addLast("decoder", new MqttDecoder(config.maxPacketSizeBytes(), 65_535, true))
                            .addLast("level", level)
                            .addLast("encoder", MqttEncoder.INSTANCE)
                            .addLast("level-out", level.beforeEncoding())
                            .addLast("flow", new FlowControlHandler())
                            .addLast("handler", new MqttHandler(withIngest));
                }
            });
            server.config().setAllocator(alloc);
            try {
                server.register();
            } catch (Exception e) {
                throw new AssertionError("EmbeddedChannel did not register", e);
            }
            shadow = new EmbeddedChannel(new MqttDecoder(config.maxPacketSizeBytes(), 65_535, true));
        }

        @Override
        public CompletionStage<Delivery> submit(Envelope e) {
            int packetId = -1;
            if (e.qos() == 1 && !sentQos1.isEmpty() && Arrays.equals(sentQos1.peek().payload(), e.payload())) {
                packetId = sentQos1.poll().packetId();
            }
            Submission s = new Submission(e, packetId);
            submissions.add(s);
            if (packetId >= 0) {
                awaitingAck.add(s);
            }
            return s.future;
        }

        void run() {
            try {
                feed();
                finishDeliveries();
                assertEquals(0, ctx.budget().usedBytes(), "in-flight budget back to zero after every completion");
                assertEquals(0, ctx.outstanding().get(), "nothing outstanding after every completion");
                assertEquals(0, ctx.stats().inflightMessages.sum(), "in-flight gauge back to zero");
                if (server.isOpen()) {
                    server.close(); // the client goes away
                    settle();
                }
                assertEquals(replyBytes, decodedReplyBytes,
                        "every byte the server wrote is part of a whole valid packet in the client's protocol level");
                assertTrue(ctx.sessions().liveClientIds().isEmpty(), "no connection registered after close");
                assertEquals(0, ctx.stats().event("connection_error"), "no exception reached the handler");
                server.checkException();
                assertFalse(server.finishAndReleaseAll(), "nothing left in the channel's queues");
                for (ByteBuf b : alloc.allocated) {
                    assertEquals(0, b.refCnt(), "every buffer released");
                }
            } finally {
                server.finishAndReleaseAll();
                shadow.finishAndReleaseAll();
                replies.finishAndReleaseAll();
            }
        }

        private void feed() {
            int from = 0;
            while (from < stream.length && server.isOpen()) {
                int to = (int) Math.min(stream.length, (long) from + plan.readSize());
                byte[] chunk = Arrays.copyOfRange(stream, from, to);
                shadowRead(chunk);
                ByteBuf read = alloc.heapBuffer(chunk.length).writeBytes(chunk);
                server.writeInbound(read);
                settle();
                if (plan.completion() <= 1) {
                    completeAll();
                }
                from = to;
            }
        }

        /** Completes every delivery (a release may submit a parked reading: bounded rounds). */
        private void finishDeliveries() {
            if (plan.completion() == 3 && server.isOpen()) {
                server.close();
                settle();
            }
            for (int round = 0; round < MAX_ROUNDS; round++) {
                if (!completeAll()) {
                    return;
                }
            }
            fail("deliveries kept coming after " + MAX_ROUNDS + " rounds");
        }

        /** Completes every pending delivery by the plan; false when none was pending. */
        private boolean completeAll() {
            boolean any = false;
            for (int i = 0; i < submissions.size(); i++) {
                Submission s = submissions.get(i);
                if (s.delivery == null) {
                    s.delivery = outcome(i);
                    s.future.complete(s.delivery);
                    any = true;
                    settle();
                }
            }
            return any;
        }

        private Delivery outcome(int index) {
            if (plan.completion() != 1) {
                return Delivery.DELIVERED;
            }
            return switch ((index + plan.outcomeShift()) % 3) {
                case 0 -> Delivery.DELIVERED;
                case 1 -> Delivery.retryable("kafka: TimeoutException (fuzz)");
                default -> Delivery.rejected("kafka: RecordTooLargeException (fuzz)");
            };
        }

        /** Runs the event loop's tasks and checks what the server wrote. */
        private void settle() {
            server.runPendingTasks();
            if (broker != null) {
                log.deliver(); // what the publish path wrote comes back: PUBLISH (and PUBREL) to subscribers
                server.runPendingTasks();
            }
            Object o;
            while ((o = server.readOutbound()) != null) {
                assertTrue(o instanceof ByteBuf, "the server writes encoded bytes: " + o);
                replyBytes += ((ByteBuf) o).readableBytes();
                replies.writeInbound(o);
                MqttMessage m;
                while ((m = replies.readInbound()) != null) {
                    try {
                        checkReply(m);
                    } finally {
                        ReferenceCountUtil.release(m);
                    }
                }
            }
        }

        private void checkReply(MqttMessage m) {
            assertTrue(m.decoderResult().isSuccess(), "a reply is a valid MQTT packet: " + m.decoderResult());
            int length = m.fixedHeader().remainingLength();
            decodedReplyBytes += 1 + (length < 128 ? 1 : length < 16_384 ? 2 : length < 2_097_152 ? 3 : 4) + length;
            MqttMessageType type = m.fixedHeader().messageType();
            assertTrue(SERVER_PACKETS.contains(type) || broker != null && DELIVERY_PACKETS.contains(type),
                    "a server sends no " + type);
            // Not checked: "nothing after a DISCONNECT". EmbeddedChannel.close() runs the loop's pending tasks inline,
            // inside the CLOSE listener of the DISCONNECT's write, before Connection marks itself closed; a real event
            // loop runs them later, so a reply queued before the violation would be a false finding here.
            if (type == MqttMessageType.CONNACK) {
                assertEquals(0, connAcks++, "one CONNACK, answering the first CONNECT only");
                return;
            }
            if (type == MqttMessageType.DISCONNECT) {
                assertEquals(MqttVersion.MQTT_5, replies.attr(MQTT_VERSION).get(), "DISCONNECT only to MQTT 5");
                int reason = ((MqttReasonCodeAndPropertiesVariableHeader) m.variableHeader()).reasonCode() & 0xff;
                assertTrue(reason >= 0x80, "the server disconnects with an error reason code, not 0x"
                        + Integer.toHexString(reason));
                return;
            }
            assertEquals(1, connAcks, type + " only after CONNACK");
            if (type == MqttMessageType.PUBACK) {
                checkPubAck(m);
            }
        }

        private void checkPubAck(MqttMessage m) {
            int packetId;
            int code = 0;
            if (m.variableHeader() instanceof MqttPubReplyMessageVariableHeader r) {
                packetId = r.messageId();
                code = r.reasonCode() & 0xff;
            } else {
                packetId = ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
            }
            Submission s = awaitingAck.poll();
            assertTrue(s != null, "PUBACK " + packetId + " answers a PUBLISH handed to ingest");
            assertEquals(s.packetId, packetId, "PUBACKs follow PUBLISH order");
            assertTrue(s.delivery != null, "PUBACK " + packetId + " only after its delivery completed");
            assertNotEquals(Outcome.RETRYABLE, s.delivery.outcome(),
                    "no PUBACK for a reading Kafka did not take and might take later (MQTT-4.4.0-2)");
            assertEquals(s.delivery.delivered(), code < 0x80, "PUBACK " + packetId + " code 0x"
                    + Integer.toHexString(code) + " for " + s.delivery);
        }

        private void shadowRead(byte[] chunk) {
            if (!shadow.isOpen()) {
                return;
            }
            shadow.writeInbound(shadow.alloc().heapBuffer(chunk.length).writeBytes(chunk));
            Object o;
            while ((o = shadow.readInbound()) != null) {
                try {
                    if (o instanceof MqttConnectMessage c && c.decoderResult().isSuccess()
                            && !replies.hasAttr(MQTT_VERSION)) {
                        // replies are read in the protocol level of the client's first CONNECT
                        replies.attr(MQTT_VERSION).set(MqttVersion.fromProtocolNameAndLevel(
                                c.variableHeader().name(), (byte) c.variableHeader().version()));
                    }
                    if (o instanceof MqttPublishMessage p && p.decoderResult().isSuccess()
                            && p.fixedHeader().qosLevel().value() == 1) {
                        sentQos1.add(new SentPublish(p.variableHeader().packetId(), ByteBufUtil.getBytes(p.content())));
                    }
                } finally {
                    ReferenceCountUtil.release(o);
                }
            }
        }
    }
}
