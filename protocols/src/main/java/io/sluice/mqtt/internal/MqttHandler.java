package io.sluice.mqtt.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.ingest.Envelope;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thin Netty shim: checks the decoder result first, copies each packet into Sluice's own records (payloads
 * become byte[]; no buffer leaves this class) and hands them to the connection's {@link Connection}.
 * Runs on the channel's event loop.
 */
public final class MqttHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(MqttHandler.class);

    /**
     * Connections past mqtt.max_connections kept open until their CONNECT (at most mqtt.connect_timeout_ms each) when
     * server references are configured, so MQTT 5 clients get CONNACK 0x9C naming another node; beyond this many,
     * they are closed at once as without references.
     */
    static final int OVER_CAPACITY_WAITING = 1_000;

    private final Context ctx;
    private Connection connection;
    private ScheduledFuture<?> connectTimeout;

    public MqttHandler(Context ctx) {
        this.ctx = ctx;
    }

    /**
     * Builds a connection's pipeline: read deadlines (before the decoder: keep-alive and packet arrival limits), the
     * decoder, the protocol level pin (right after it), the encoder, flow control (one read may yield many packets)
     * and this handler.
     */
    public static void initPipeline(ChannelPipeline pipeline, Context ctx) {
        ProtocolLevelPin level = new ProtocolLevelPin();
        pipeline.addLast("deadlines", new ReadDeadlines(ctx.config().packetArrivalTimeoutMs(), ctx.partials()))
                .addLast("decoder", new MqttDecoder(ctx.config().maxPacketSizeBytes(), 65_535, true))
                .addLast("level", level)
                .addLast("encoder", MqttEncoder.INSTANCE)
                .addLast("level-out", level.beforeEncoding())
                .addLast("flow", new FlowControlHandler())
                .addLast("handler", new MqttHandler(ctx));
    }

    /**
     * Shutdown: tells an MQTT 5 client to go elsewhere (DISCONNECT 0x9C with a server reference, or 0x8B); the
     * caller closes the channel. Re-dispatched to its event loop; any thread.
     */
    public io.netty.util.concurrent.Future<?> shuttingDown(io.netty.channel.Channel channel) {
        try {
            return channel.eventLoop().submit(() -> {
                if (connection != null) {
                    connection.shuttingDown();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return channel.eventLoop().newSucceededFuture(null); // the event loop is shutting down already
        }
    }

    /**
     * Drain: ends this connection as a stop does ({@link Connection#endForDrain}), re-dispatched to its event loop;
     * any thread. The future's value is true when this call ended it, false when it was closed already.
     */
    public io.netty.util.concurrent.Future<Boolean> endForDrain(io.netty.channel.Channel channel) {
        try {
            return channel.eventLoop().submit(() -> {
                if (connection != null) {
                    return connection.endForDrain();
                }
                boolean open = channel.isActive();
                channel.close();
                return open;
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return channel.eventLoop().newSucceededFuture(false); // shutting down: it closes anyway
        }
    }

    /** Drain: stop reading this connection for good (re-dispatched to its event loop; any thread). */
    public io.netty.util.concurrent.Future<?> stopReading(io.netty.channel.Channel channel) {
        try {
            return channel.eventLoop().submit(() -> {
                if (connection != null) {
                    connection.stopReading();
                } else {
                    channel.config().setAutoRead(false);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the event loop is shutting down: the channel closes and reads nothing more anyway
            return channel.eventLoop().newSucceededFuture(null);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext c) throws Exception {
        ctx.stats().connectionsOpened.increment();
        connection = new Connection(c.channel(), ctx);
        long open = ctx.stats().openConnections();
        if (open > ctx.config().maxConnections()) {
            if (ctx.references().enabled() && open <= (long) ctx.config().maxConnections() + OVER_CAPACITY_WAITING) {
                // kept until its CONNECT, so an MQTT 5 client learns where to go (Handshake refuses it)
                connection.overCapacity = true;
            } else {
                ctx.stats().count("max_connections_refused");
                LOG.warn("Refusing connection from {}: mqtt.max_connections ({}) reached", c.channel().remoteAddress(),
                        ctx.config().maxConnections());
                c.close();
                return;
            }
        }
        connectTimeout = c.executor().schedule(() -> {
            if (!connection.connected() && c.channel().isActive()) {
                ctx.stats().count("connect_timeout");
                LOG.info("Closing {}: no CONNECT within {} ms", c.channel().remoteAddress(), ctx.config().connectTimeoutMs());
                c.close();
            }
        }, ctx.config().connectTimeoutMs(), TimeUnit.MILLISECONDS);
        super.channelActive(c);
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        long receivedAtNanos = nowNanos();
        try {
            MqttMessage m = (MqttMessage) msg;
            if (m.decoderResult().isFailure()) {
                onDecodeFailure(c, m.decoderResult().cause());
                return;
            }
            switch (m.fixedHeader().messageType()) {
                case CONNECT -> onConnect((MqttConnectMessage) m);
                case PUBLISH -> connection.onPublish(publish((MqttPublishMessage) m), receivedAtNanos);
                case PUBACK, PUBREC, PUBCOMP -> connection.onAckOfSent(m.fixedHeader().messageType(), packetId(m),
                        reasonCode(m));
                case PUBREL -> connection.onPubRel(
                        ((io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader) m.variableHeader()).messageId());
                case SUBSCRIBE -> onSubscribe((MqttSubscribeMessage) m);
                case UNSUBSCRIBE -> {
                    MqttUnsubscribeMessage u = (MqttUnsubscribeMessage) m;
                    connection.onUnsubscribe(u.idAndPropertiesVariableHeader().messageId(), u.payload().topics());
                }
                case PINGREQ -> connection.onPingReq();
                case DISCONNECT -> onDisconnect(m);
                default -> connection.violation("unexpected_packet", MqttReasonCodes.Disconnect.PROTOCOL_ERROR,
                        "unexpected " + m.fixedHeader().messageType() + " packet");
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onConnect(MqttConnectMessage m) {
        MqttConnectVariableHeader h = m.variableHeader();
        MqttConnectPayload p = m.payload();
        Packets.Will will = null;
        if (h.isWillFlag()) {
            long delay = 0;
            MqttProperties.MqttProperty<?> d = p.willProperties() == null ? null
                    : p.willProperties().getProperty(MqttProperties.MqttPropertyType.WILL_DELAY_INTERVAL.value());
            if (h.version() == 5 && d != null) {
                delay = Integer.toUnsignedLong((Integer) d.value());
            }
            byte[] payload = p.willMessageInBytes() == null ? new byte[0] : p.willMessageInBytes();
            MqttProperties wp = p.willProperties();
            will = h.version() == 5 && wp != null && !wp.isEmpty()
                    ? new Packets.Will(p.willTopic(), payload, h.willQos(), delay, contentType(wp), userProperties(wp),
                            forwarded(wp))
                    : new Packets.Will(p.willTopic(), payload, h.willQos(), delay);
        }
        connection.onConnect(h.version(), p.clientIdentifier(), h.isCleanSession(), h.keepAliveTimeSeconds(),
                h.properties(), will, h.isWillRetain(), h.hasUserName() ? p.userName() : null,
                h.hasPassword() ? p.passwordInBytes() : null);
        if (connectTimeout != null) {
            connectTimeout.cancel(false);
            connectTimeout = null; // an idle connection keeps nothing of its connect timer
        }
    }

    private static Packets.Publish publish(MqttPublishMessage m) {
        ByteBuf content = m.content();
        byte[] payload = ByteBufUtil.getBytes(content, content.readerIndex(), content.readableBytes(), false);
        MqttProperties props = m.variableHeader().properties();
        int alias = 0;
        MqttProperties.MqttProperty<?> aliasProp = props.getProperty(MqttProperties.MqttPropertyType.TOPIC_ALIAS.value());
        if (aliasProp != null) {
            alias = (Integer) aliasProp.value();
            if (alias == 0) {
                alias = Packets.Publish.ALIAS_ZERO; // present and 0: a protocol error, not "no alias"
            }
        }
        return new Packets.Publish(m.variableHeader().topicName(), alias, m.fixedHeader().qosLevel().value(),
                m.fixedHeader().isDup(), m.fixedHeader().isRetain(), m.variableHeader().packetId(), payload,
                contentType(props), userProperties(props), forwarded(props));
    }

    /** The Content Type property of a PUBLISH or a will, or null. */
    private static String contentType(MqttProperties props) {
        MqttProperties.MqttProperty<?> ct = props.getProperty(MqttProperties.MqttPropertyType.CONTENT_TYPE.value());
        return ct == null ? null : (String) ct.value();
    }

    /** The User Properties of a PUBLISH or a will, in the order sent. */
    private static List<Envelope.UserProperty> userProperties(MqttProperties props) {
        List<? extends MqttProperties.MqttProperty> userProps =
                props.getProperties(MqttProperties.MqttPropertyType.USER_PROPERTY.value());
        if (userProps.isEmpty()) {
            return List.of();
        }
        List<Envelope.UserProperty> list = new ArrayList<>();
        for (MqttProperties.MqttProperty<?> up : userProps) {
            if (up instanceof MqttProperties.UserProperty single) {
                list.add(new Envelope.UserProperty(single.value().key, single.value().value));
            } else if (up instanceof MqttProperties.UserProperties many) {
                many.value().forEach(pair -> list.add(new Envelope.UserProperty(pair.key, pair.value)));
            }
        }
        return list;
    }

    /** The PUBLISH (or will) properties a subscriber gets as they were sent. */
    private static Packets.Forwarded forwarded(MqttProperties props) {
        if (props.isEmpty()) {
            return Packets.Forwarded.NONE;
        }
        MqttProperties.MqttProperty<?> expiry = props.getProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL);
        MqttProperties.MqttProperty<?> format = props.getProperty(MqttProperties.PAYLOAD_FORMAT_INDICATOR);
        MqttProperties.MqttProperty<?> response = props.getProperty(MqttProperties.RESPONSE_TOPIC);
        MqttProperties.MqttProperty<?> correlation = props.getProperty(MqttProperties.CORRELATION_DATA);
        if (expiry == null && format == null && response == null && correlation == null) {
            return Packets.Forwarded.NONE;
        }
        return new Packets.Forwarded(expiry == null ? 0 : Integer.toUnsignedLong((Integer) expiry.value()),
                format == null ? -1 : (Integer) format.value(), response == null ? null : (String) response.value(),
                correlation == null ? null : (byte[]) correlation.value());
    }

    private static int packetId(MqttMessage m) {
        Object h = m.variableHeader();
        if (h instanceof io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader id) {
            return id.messageId();
        }
        return h instanceof io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader r ? r.messageId() : 0;
    }

    private static int reasonCode(MqttMessage m) {
        return m.variableHeader() instanceof io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader r
                ? r.reasonCode() & 0xff : 0;
    }

    private void onSubscribe(MqttSubscribeMessage m) {
        List<Packets.Subscription> subs = new ArrayList<>();
        for (MqttTopicSubscription t : m.payload().topicSubscriptions()) {
            MqttSubscriptionOption o = t.option();
            int options = o.qos().value() | (o.isNoLocal() ? 0x04 : 0) | (o.isRetainAsPublished() ? 0x08 : 0)
                    | (o.retainHandling().value() << 4);
            subs.add(new Packets.Subscription(t.topicFilter(), options));
        }
        MqttProperties.MqttProperty<?> id = m.idAndPropertiesVariableHeader().properties()
                .getProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER);
        connection.onSubscribe(m.idAndPropertiesVariableHeader().messageId(), subs,
                id == null ? -1 : (Integer) id.value());
    }

    private void onDisconnect(MqttMessage m) {
        int reason = 0;
        Long expiry = null;
        if (m.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h) {
            reason = h.reasonCode() & 0xff;
            MqttProperties.MqttProperty<?> p =
                    h.properties().getProperty(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value());
            if (p != null) {
                expiry = Integer.toUnsignedLong((Integer) p.value());
            }
        }
        connection.onDisconnect(reason, expiry);
    }

    /** The decoder could not parse a packet; it discards everything after, so the connection must end. */
    private void onDecodeFailure(ChannelHandlerContext c, Throwable cause) {
        boolean connectFailure = cause instanceof MqttUnacceptableProtocolVersionException
                || cause instanceof MqttIdentifierRejectedException;
        if (connectFailure && connection.connectSeen()) {
            // a CONNECT after the first is a protocol violation whatever it holds [MQTT-3.1.0-2]: no second CONNACK
            connection.violation("second_connect", MqttReasonCodes.Disconnect.PROTOCOL_ERROR,
                    "a second CONNECT (" + cause.getMessage() + ")");
        } else if (cause instanceof MqttUnacceptableProtocolVersionException) {
            ctx.stats().count("unsupported_protocol");
            LOG.warn("Refusing {}: {}", c.channel().remoteAddress(), cause.getMessage());
            // 0x01 is understood by every protocol level (MQTT 5 clients read it as a refusal too)
            c.writeAndFlush(Replies.connAck(MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION,
                    false, null)).addListener(ChannelFutureListener.CLOSE);
        } else if (cause instanceof MqttIdentifierRejectedException) {
            ctx.stats().count("identifier_rejected");
            LOG.warn("Refusing {}: {}", c.channel().remoteAddress(), cause.getMessage());
            c.writeAndFlush(Replies.connAck(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED, false, null))
                    .addListener(ChannelFutureListener.CLOSE);
        } else if (cause instanceof TooLongFrameException) {
            connection.violation("packet_too_large", MqttReasonCodes.Disconnect.PACKET_TOO_LARGE,
                    "packet larger than " + ctx.config().maxPacketSizeBytes() + " bytes");
        } else if (String.valueOf(cause.getMessage()).toLowerCase().contains("topic")) {
            connection.violation("topic_name_invalid", MqttReasonCodes.Disconnect.TOPIC_NAME_INVALID,
                    "invalid topic: " + cause.getMessage());
        } else {
            connection.violation("malformed_packet", MqttReasonCodes.Disconnect.MALFORMED_PACKET,
                    "malformed packet: " + cause.getMessage());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext c, Object evt) throws Exception {
        if (evt == ReadDeadlines.Expired.KEEP_ALIVE) {
            connection.onKeepAliveExpired();
        } else if (evt == ReadDeadlines.Expired.PACKET_ARRIVAL) {
            connection.onPacketArrivalExpired();
        } else if (evt == ReadDeadlines.PartialCap.STOP_READING) {
            connection.onPartialPacketCapReached();
        } else if (evt == ReadDeadlines.PartialCap.READ_AGAIN) {
            connection.onPartialPacketCapFreed();
        } else {
            super.userEventTriggered(c, evt);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext c) throws Exception {
        connection.onWritabilityChanged(c.channel().isWritable());
        super.channelWritabilityChanged(c);
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) throws Exception {
        ctx.stats().connectionsClosed.increment();
        if (connectTimeout != null) {
            connectTimeout.cancel(false);
        }
        connection.onClosed();
        super.channelInactive(c);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
        ctx.stats().count("connection_error");
        if (cause instanceof java.io.IOException) {
            // the peer reset or the network failed: ordinary for devices
            LOG.debug("Connection {} error: {}", c.channel().remoteAddress(), cause.toString());
        } else {
            // anything else is a defect of Sluice's: say where, so it can be fixed
            LOG.warn("Connection {} closed on an unexpected error [connection_error]", c.channel().remoteAddress(),
                    cause);
        }
        c.close();
    }

    private long nowNanos() {
        return epochNanos(ctx.clock());
    }

    /** Nanoseconds since the epoch on {@code clock}: when a packet arrived, and when its acknowledgement went out. */
    static long epochNanos(java.time.Clock clock) {
        java.time.Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
