package io.sluice.mqtt.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.ingest.InflightBudget;
import io.sluice.mqtt.MqttConfig;
import io.sluice.mqtt.MqttStats;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A server pipeline exactly as MqttSource builds it, on an EmbeddedChannel, talking real MQTT bytes to a client-side
 * codec channel. Everything runs on the test thread; {@link #pump} moves bytes both ways and runs pending tasks.
 */
final class MqttHarness {
    final Context ctx;
    final ManualIngest ingest;
    final EmbeddedChannel server;
    final EmbeddedChannel client;

    MqttHarness(Context ctx, ManualIngest ingest) {
        this.ctx = ctx;
        this.ingest = ingest;
        this.server = new EmbeddedChannel(new io.netty.channel.ChannelInitializer<io.netty.channel.Channel>() {
            @Override
            protected void initChannel(io.netty.channel.Channel ch) {
                MqttHandler.initPipeline(ch.pipeline(), ctx);
            }
        });
        this.client = new EmbeddedChannel(new MqttDecoder(), MqttEncoder.INSTANCE);
    }

    static Context context(MqttConfig config, ManualIngest ingest, InflightBudget budget, MemorySessionStore store) {
        return context(config, ingest, budget, store, Clock.systemUTC());
    }

    static Context context(MqttConfig config, ManualIngest ingest, InflightBudget budget, MemorySessionStore store,
                           Clock clock) {
        MqttStats stats = new MqttStats();
        SessionRegistry registry = new SessionRegistry(store, clock, stats);
        registry.load();
        return new Context(config, ingest, budget, registry, stats, clock, new AtomicLong(), new AtomicBoolean(true));
    }

    /** A clock a test moves by hand. */
    static final class ManualClock extends Clock {
        private volatile long millis;

        ManualClock(long millis) {
            this.millis = millis;
        }

        void advance(java.time.Duration d) {
            millis += d.toMillis();
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public java.time.Instant instant() {
            return java.time.Instant.ofEpochMilli(millis);
        }
    }

    static MqttConfig config(int receiveMaximum, int topicAliasMaximum, int maxPacket) {
        return config(receiveMaximum, topicAliasMaximum, maxPacket, Math.max(32L << 20, maxPacket));
    }

    static MqttConfig config(int receiveMaximum, int topicAliasMaximum, int maxPacket, long maxPartialPacketBytes) {
        return new MqttConfig("127.0.0.1", 0, 1, 100, maxPacket, receiveMaximum, topicAliasMaximum, 3600, 10_000,
                1200, 30_000, maxPartialPacketBytes);
    }

    /** Sends client packets to the server and returns what the server answered, decoded. */
    List<MqttMessage> send(MqttMessage... messages) {
        for (MqttMessage m : messages) {
            client.writeOutbound(m);
        }
        return pump();
    }

    /** Moves bytes client->server, runs the server's pending tasks, and returns the server's answers, decoded. */
    List<MqttMessage> pump() {
        ByteBuf out;
        while ((out = client.readOutbound()) != null) {
            server.writeInbound(out);
        }
        server.runPendingTasks();
        server.runScheduledPendingTasks();
        List<MqttMessage> answers = new ArrayList<>();
        Object o;
        while ((o = server.readOutbound()) != null) {
            client.writeInbound(o);
        }
        while ((o = client.readInbound()) != null) {
            if (o instanceof io.netty.handler.codec.mqtt.MqttPublishMessage p) {
                // tests keep what they read without releasing it: hand them an unpooled copy, release the original
                byte[] payload = io.netty.buffer.ByteBufUtil.getBytes(p.payload());
                answers.add(p.replace(Unpooled.wrappedBuffer(payload)));
                p.release();
            } else {
                answers.add((MqttMessage) o);
            }
        }
        return answers;
    }

    /** Raw bytes straight to the server. */
    List<MqttMessage> sendRaw(byte[] bytes) {
        server.writeInbound(Unpooled.wrappedBuffer(bytes));
        return pump();
    }

    MqttConnAckMessage connect(MqttVersion version, String id, boolean clean, long sessionExpiry) {
        MqttMessageBuilders.ConnectBuilder b = MqttMessageBuilders.connect().protocolVersion(version).clientId(id)
                .cleanSession(clean).keepAlive(60);
        if (version == MqttVersion.MQTT_5 && sessionExpiry > 0) {
            MqttProperties p = new MqttProperties();
            p.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(),
                    (int) sessionExpiry));
            b.properties(p);
        }
        List<MqttMessage> answers = send(b.build());
        return answers.isEmpty() ? null : (MqttConnAckMessage) answers.get(0);
    }

    static MqttMessage publish(String topic, int qos, int packetId, byte[] payload) {
        return publish(topic, qos, packetId, payload, MqttProperties.NO_PROPERTIES);
    }

    static MqttMessage publish(String topic, int qos, int packetId, byte[] payload, MqttProperties props) {
        return MqttMessageBuilders.publish().topicName(topic).qos(MqttQoS.valueOf(qos)).messageId(packetId)
                .payload(Unpooled.wrappedBuffer(payload)).properties(props).build();
    }

    static MqttMessage pingReq() {
        return new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGREQ, false, MqttQoS.AT_MOST_ONCE, false, 0));
    }

    void close() {
        server.finishAndReleaseAll();
        client.finishAndReleaseAll();
    }
}
