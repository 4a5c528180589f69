package io.sluice.mqtt.internal;

import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.sluice.delivery.Message;
import io.sluice.mqtt.internal.outbound.Broker;
import io.sluice.mqtt.internal.outbound.Outbound;
import io.sluice.mqtt.internal.outbound.SharedFilter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a {@link Connection} meets delivery ({@link Broker}), kept out of the connection's own state machine: the
 * message a PUBLISH becomes, the outbound side bound at CONNACK, what a granted SUBSCRIBE changes. Every method
 * runs on the connection's event loop; a null broker means delivery is off.
 */
final class DeliveryHooks {
    /** The options bit MQTT 5 calls No Local. */
    static final int NO_LOCAL = 0x04;

    private DeliveryHooks() {
    }

    /** The message a PUBLISH to {@code topic} (its alias resolved) becomes for subscribers. */
    static Message message(Packets.Publish p, String topic, String clientId, java.time.Clock clock) {
        Packets.Forwarded f = p.forwarded();
        return new Message(topic, p.payload(), p.qos(), p.retain(), clientId, clock.millis(), f.expirySeconds(),
                f.payloadFormat(), p.contentType(), f.responseTopic(), f.correlationData(), p.userProperties());
    }

    /** A will message as subscribers receive it. */
    static Message willMessage(Packets.Will will, boolean retain, String clientId, java.time.Clock clock) {
        Packets.Forwarded f = will.forwarded();
        return new Message(will.topic(), will.payload(), will.qos(), retain, clientId, clock.millis(), f.expirySeconds(),
                f.payloadFormat(), will.contentType(), f.responseTopic(), f.correlationData(), will.userProperties());
    }

    /** The client's Receive Maximum: MQTT 5 as sent (65,535 when absent), 0 for MQTT 3.1.1. */
    static int receiveMaximum(int level, MqttProperties connectProps) {
        if (level != 5 || connectProps == null) {
            return 0;
        }
        MqttProperties.MqttProperty<?> rm = connectProps.getProperty(MqttProperties.RECEIVE_MAXIMUM);
        return rm == null ? 65_535 : (Integer) rm.value();
    }

    /**
     * How many topic aliases the server uses towards the client: the client's Topic Alias Maximum (MQTT 5; absent
     * means 0, none) capped at {@code serverMaximum} ({@code mqtt.topic_alias_maximum}), which bounds what a
     * connection holds for them.
     */
    static int outboundTopicAliases(int level, MqttProperties connectProps, int serverMaximum) {
        if (level != 5 || connectProps == null) {
            return 0;
        }
        MqttProperties.MqttProperty<?> tam = connectProps.getProperty(MqttProperties.TOPIC_ALIAS_MAXIMUM);
        return tam == null ? 0 : Math.min((Integer) tam.value(), serverMaximum);
    }

    /** The client's Maximum Packet Size (MQTT 5), 0 for none. */
    static long maxPacketSize(int level, MqttProperties connectProps) {
        if (level != 5 || connectProps == null) {
            return 0;
        }
        MqttProperties.MqttProperty<?> mps = connectProps.getProperty(MqttProperties.MAXIMUM_PACKET_SIZE);
        return mps == null ? 0 : Integer.toUnsignedLong((Integer) mps.value());
    }

    /**
     * Binds the session's queue to this channel (after CONNACK): when {@code force} (a SUBSCRIBE was granted) or when
     * the session already has a queue; otherwise null, so a connection that never subscribes holds nothing of
     * delivery. Null when delivery is off. Every copy is sent only if {@code permissions} let it read its topic.
     */
    static Outbound attach(Context ctx, Channel channel, String clientId, int level, boolean persistent,
                           int receiveMaximum, long maxPacketSize, int topicAliases, boolean force,
                           io.sluice.auth.TopicPermissions permissions) {
        Broker broker = ctx.broker();
        if (broker == null) {
            return null;
        }
        // a session whose client was last on another node, or made there, is this node's now (a new session, or one
        // without subscriptions, leaves nothing of another node's in the index)
        SessionState session = persistent ? ctx.sessions().get(clientId) : null;
        broker.adopt(clientId, session == null ? Map.of() : session.subscriptions(),
                session == null ? Map.of() : session.subscriptionIds());
        if (!force && !broker.hasQueue(clientId)) {
            return null;
        }
        return broker.attach(channel, clientId, level, persistent, receiveMaximum, maxPacketSize, topicAliases,
                permissions);
    }

    /** The subscription identifiers of {@code session} after SUBSCRIBE granted {@code granted} with {@code id}. */
    static Map<String, Integer> idsAfter(SessionState session, List<String> granted, int id) {
        Map<String, Integer> ids = new LinkedHashMap<>(session.subscriptionIds());
        for (String f : granted) {
            if (id > 0) {
                ids.put(f, id);
            } else {
                ids.remove(f);
            }
        }
        return ids;
    }

    /**
     * A SUBSCRIBE was granted (its SUBACK written): the index learns the session's subscriptions, and retained
     * messages go out as each new subscription's Retain Handling says (0: always, 1: only if it is new, 2: never).
     */
    static void subscribed(Context ctx, SessionState session, Map<String, Integer> before, List<String> granted,
                           int id) {
        Broker broker = ctx.broker();
        if (broker == null) {
            return;
        }
        broker.subscriptionsChanged(session.clientId(), session.subscriptions(), session.subscriptionIds());
        if (!granted.isEmpty()) {
            visibleToTheFleet(ctx, session);
        }
        for (String f : granted) {
            int options = session.subscriptions().getOrDefault(f, 0);
            int retainHandling = (options >> 4) & 0x03;
            if (retainHandling == 0 || retainHandling == 1 && !before.containsKey(f)) {
                broker.serveRetained(session.clientId(), f, options & 0x03, id);
            }
        }
    }

    /** An UNSUBSCRIBE took effect: the index follows the session's subscriptions. */
    static void unsubscribed(Context ctx, SessionState session) {
        if (ctx.broker() != null) {
            ctx.broker().subscriptionsChanged(session.clientId(), session.subscriptions(), session.subscriptionIds());
            visibleToTheFleet(ctx, session);
        }
    }

    /**
     * A connection without a persistent session writes nothing when it subscribes, but other nodes route messages
     * to it only through its session record: its presence record is written again with its subscriptions, in the
     * background (SUBACK does not wait for it; a persistent session's SUBSCRIBE is stored as always).
     */
    private static void visibleToTheFleet(Context ctx, SessionState session) {
        if (session.expirySeconds() == 0) {
            ctx.sessions().writePresence(session);
        }
    }

    /**
     * What the ACL is asked about for a SUBSCRIBE to {@code filter}: a shared subscription {@code $share/G/F} reads
     * what F reads, so F (with delivery on; without it a 3.1.1 client's {@code $share/...} is an ordinary filter).
     */
    static String aclFilter(Context ctx, String filter) {
        SharedFilter shared = ctx.broker() == null ? null : SharedFilter.parse(filter);
        return shared == null ? filter : shared.filter();
    }

    /** True when {@code filter} is a shared subscription this node cannot take: delivery off, or malformed. */
    static boolean sharedRefused(Context ctx, String filter, int level) {
        if (!SharedFilter.isShared(filter)) {
            return false;
        }
        return ctx.broker() == null ? level == 5 : SharedFilter.parse(filter) == null;
    }
}
