package io.sluice.mqtt.internal;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.ingest.Delivery;
import io.sluice.ingest.InflightBudget;
import io.sluice.mqtt.DeliveryLimits;
import io.sluice.mqtt.MqttStats;
import io.sluice.mqtt.internal.outbound.Broker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One node with delivery on, as MqttSource wires it (sessions loaded, then {@link Broker#start}), over an in-memory
 * delivery log and session store; clients are {@link MqttHarness}es on EmbeddedChannels sharing its context.
 * {@link #restart} builds a new node over the same store and log, as after a kill -9.
 */
final class DeliveryFixture {
    final MemorySessionStore store;
    final MemoryDeliveryLog log;
    final MqttHarness.ManualClock clock;
    final DeliveryLimits limits;
    final MqttStats stats = new MqttStats();
    final SessionRegistry registry;
    final Broker broker;
    final Context ctx;
    final ManualIngest unused = new ManualIngest();
    /** Work the broker asked to run later (late recovery scans), in order; {@link #runLater} runs it. */
    final List<Runnable> later = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final io.sluice.auth.Authenticator auth;
    private final List<MqttHarness> clients = new ArrayList<>();

    DeliveryFixture(DeliveryLimits limits) {
        this(limits, io.sluice.auth.Authenticator.open());
    }

    /** A node whose clients are authenticated and authorized by {@code auth} (for example with an ACL file). */
    DeliveryFixture(DeliveryLimits limits, io.sluice.auth.Authenticator auth) {
        this(new MemorySessionStore(), new MemoryDeliveryLog(), new MqttHarness.ManualClock(1_700_000_000_000L),
                limits, auth);
    }

    DeliveryFixture() {
        this(new DeliveryLimits(4, 100, 1 << 20, 1 << 20));
    }

    /** A node named {@code nodeId}, with a delivery log in memory that hands it the records addressed to it. */
    DeliveryFixture(String nodeId) {
        this(nodeId, new DeliveryLimits(4, 100, 1 << 20, 1 << 20));
    }

    /** As {@link #DeliveryFixture(String)}, with {@code limits}. */
    DeliveryFixture(String nodeId, DeliveryLimits limits) {
        this(new MemorySessionStore(), new MemoryDeliveryLog(nodeId), new MqttHarness.ManualClock(1_700_000_000_000L),
                limits, io.sluice.auth.Authenticator.open());
    }

    private DeliveryFixture(MemorySessionStore store, MemoryDeliveryLog log, MqttHarness.ManualClock clock,
                            DeliveryLimits limits, io.sluice.auth.Authenticator auth) {
        this.auth = auth;
        this.store = store;
        this.log = log;
        this.clock = clock;
        this.limits = limits;
        this.registry = new SessionRegistry(store, clock, stats);
        registry.load();
        this.broker = new Broker(log, log.node, limits, stats, clock);
        broker.scheduleWith((ms, task) -> later.add(task)); // the test runs them (runLater), not a timer
        // readings are taken at once: these tests are about delivery
        this.ctx = new Context(MqttHarness.config(64, 4, 1 << 20), e -> CompletableFuture.completedFuture(
                Delivery.DELIVERED), new InflightBudget(1 << 20), registry, stats, clock, new AtomicLong(),
                new AtomicBoolean(true), auth, broker);
        broker.start(registry);
    }

    /** Runs the delayed work the broker asked for so far (as though its delay passed); returns how much ran. */
    int runLater() {
        List<Runnable> due = List.copyOf(later);
        later.removeAll(due);
        due.forEach(Runnable::run);
        return due.size();
    }

    /** A new node over the same session store and delivery log (re-read from its committed position). */
    DeliveryFixture restart() {
        close();
        log.restart();
        return new DeliveryFixture(store, log, clock, limits, auth);
    }

    MqttHarness client() {
        MqttHarness h = new MqttHarness(ctx, unused);
        clients.add(h);
        return h;
    }

    /** A connected client: MQTT 5 with {@code sessionExpiry} (0: clean, not persistent), 3.1.1 persistent if > 0. */
    MqttHarness connect(MqttVersion v, String id, long sessionExpiry) {
        MqttHarness h = client();
        h.connect(v, id, sessionExpiry == 0, sessionExpiry);
        return h;
    }

    static MqttConnAckMessage connect(MqttHarness h, String id, boolean clean, MqttProperties props) {
        List<MqttMessage> a = h.send(MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_5).clientId(id)
                .cleanSession(clean).keepAlive(60).properties(props).build());
        return (MqttConnAckMessage) a.get(0);
    }

    static MqttMessage subscribe(int packetId, String filter, int qos) {
        return MqttMessageBuilders.subscribe().messageId(packetId).addSubscription(MqttQoS.valueOf(qos), filter)
                .build();
    }

    static MqttMessage subscribe(int packetId, String filter, MqttSubscriptionOption option, int subscriptionId) {
        MqttMessageBuilders.SubscribeBuilder b = MqttMessageBuilders.subscribe().messageId(packetId)
                .addSubscription(filter, option);
        if (subscriptionId > 0) {
            MqttProperties p = new MqttProperties();
            p.add(new MqttProperties.IntegerProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER, subscriptionId));
            b.properties(p);
        }
        return b.build();
    }

    static MqttSubscriptionOption option(int qos, boolean noLocal, boolean retainAsPublished, int retainHandling) {
        return new MqttSubscriptionOption(MqttQoS.valueOf(qos), noLocal, retainAsPublished,
                MqttSubscriptionOption.RetainedHandlingPolicy.valueOf(retainHandling));
    }

    static MqttMessage retained(String topic, int qos, int packetId, byte[] payload) {
        return MqttMessageBuilders.publish().topicName(topic).qos(MqttQoS.valueOf(qos)).messageId(packetId)
                .retained(true).payload(Unpooled.wrappedBuffer(payload)).build();
    }

    static MqttMessage ack(MqttMessageType type, int packetId) {
        return new MqttMessage(new io.netty.handler.codec.mqtt.MqttFixedHeader(type, false,
                type == MqttMessageType.PUBREL ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(packetId));
    }

    /** The PUBLISH packets among {@code answers}. */
    static List<MqttPublishMessage> publishes(List<MqttMessage> answers) {
        List<MqttPublishMessage> out = new ArrayList<>();
        for (MqttMessage m : answers) {
            if (m instanceof MqttPublishMessage p) {
                out.add(p);
            }
        }
        return out;
    }

    static String text(MqttPublishMessage p) {
        return p.payload().toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    static int packetId(MqttMessage m) {
        if (m instanceof MqttPublishMessage p) {
            return p.variableHeader().packetId();
        }
        return ((MqttMessageIdVariableHeader) m.variableHeader()).messageId();
    }

    void close() {
        clients.forEach(MqttHarness::close);
        clients.clear();
    }
}
