package io.sluice.mqtt.internal;

import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SUBSCRIBE and UNSUBSCRIBE of one {@link Connection}: each filter checked (syntax, ACL, shared subscriptions, the
 * session's limits), the session's subscriptions changed and stored (before the SUBACK or UNSUBACK when the session
 * is persistent and changed), then delivery told ({@link DeliveryHooks}); a granted SUBSCRIBE attaches the
 * connection's outbound side.
 *
 * <p>Stateless: the subscriptions live in the connection's {@link SessionState}. Threading: the channel's event loop;
 * a session store's completion is re-dispatched to it ({@link Connection#onLoop}).
 */
final class SubscriptionRequests {
    /** Connection's logger: the log lines are the ones it always wrote. */
    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);

    private SubscriptionRequests() {
    }

    /** {@code subscriptionId}: the MQTT 5 Subscription Identifier, -1 when absent. */
    static void onSubscribe(Connection conn, int packetId, List<Packets.Subscription> subscriptions,
                            int subscriptionId) {
        if (!conn.connected()) {
            conn.violation("subscribe_before_connack", MqttReasonCodes.Disconnect.PROTOCOL_ERROR,
                    "SUBSCRIBE before CONNECT");
            return;
        }
        Context ctx = conn.ctx;
        Channel channel = conn.channel;
        if (subscriptionId == 0 || subscriptionId > 0 && ctx.broker() == null) {
            conn.violation("subscription_identifier_invalid", MqttReasonCodes.Disconnect.PROTOCOL_ERROR,
                    "subscription identifier " + subscriptionId + (subscriptionId == 0 ? "" : " (not available)"));
            return;
        }
        Map<String, Integer> before = conn.session.subscriptions();
        Map<String, Integer> subs = new LinkedHashMap<>(before);
        List<String> granted = new ArrayList<>();
        List<Integer> codes = new ArrayList<>();
        io.sluice.mqtt.SessionLimits limits = ctx.sessions().limits();
        for (Packets.Subscription s : subscriptions) {
            if (!TopicNames.validFilter(s.filter())) {
                ctx.stats().count("topic_filter_invalid");
                codes.add(conn.level() == 5 ? 0x8F : 0x80);
            } else if (!conn.permissions().maySubscribe(DeliveryHooks.aclFilter(ctx, s.filter()))) {
                ctx.stats().count("subscribe_not_authorized");
                LOG.warn("SUBSCRIBE of '{}' to '{}' not allowed by the ACL [subscribe_not_authorized]",
                        conn.clientId(), s.filter());
                codes.add(conn.level() == 5 ? 0x87 : 0x80);
            } else if (DeliveryHooks.sharedRefused(ctx, s.filter(), conn.level())) {
                boolean off = ctx.broker() == null;
                ctx.stats().count(off ? "shared_subscription_refused" : "topic_filter_invalid");
                codes.add(conn.level() != 5 ? 0x80 : off ? 0x9E : 0x8F);
            } else if (conn.level() == 5 && (s.options() & DeliveryHooks.NO_LOCAL) != 0
                    && io.sluice.mqtt.internal.outbound.SharedFilter.isShared(s.filter())) {
                conn.violation("shared_subscription_no_local", MqttReasonCodes.Disconnect.PROTOCOL_ERROR,
                        "No Local on a shared subscription"); // [MQTT-3.8.3-4]
                return;
            } else if (Connection.utf8Length(s.filter()) > limits.maxTopicFilterBytes()) {
                ctx.stats().count("topic_filter_too_long");
                codes.add(conn.level() == 5 ? 0x8F : 0x80);
            } else if (!subs.containsKey(s.filter()) && subs.size() >= limits.maxSubscriptionsPerSession()) {
                ctx.stats().count("subscriptions_per_session_exceeded");
                codes.add(conn.level() == 5 ? 0x97 : 0x80);
            } else {
                int qos = Math.min(ctx.broker() == null ? 1 : 2, s.qos());
                subs.put(s.filter(), (s.options() & ~0x03) | qos);
                granted.add(s.filter());
                codes.add(qos);
            }
        }
        SessionState previous = conn.session;
        SessionState next = previous.withSubscriptions(subs,
                DeliveryHooks.idsAfter(previous, granted, subscriptionId));
        conn.session = next;
        if (conn.expirySeconds == 0 || next.sameDurableContent(ctx.sessions().get(conn.clientId()))) {
            channel.writeAndFlush(Replies.subAck(packetId, codes));
            subscribedForDelivery(conn, next, before, granted, subscriptionId);
            return;
        }
        ctx.sessions().awaitable(ctx.sessions().store(next)).whenComplete((v, err) -> conn.onLoop(() -> {
            if (conn.closed()) {
                return;
            }
            if (err != null) {
                ctx.stats().count("session_store_failed");
                LOG.warn("SUBSCRIBE of '{}' failed: session not stored: {}", conn.clientId(), err.toString());
                undo(conn, next, previous);
                channel.writeAndFlush(Replies.subAck(packetId, codes.stream().map(c -> 0x80).toList()));
            } else {
                channel.writeAndFlush(Replies.subAck(packetId, codes));
                subscribedForDelivery(conn, next, before, granted, subscriptionId);
            }
        }));
    }

    private static void subscribedForDelivery(Connection conn, SessionState next, Map<String, Integer> before,
                                              List<String> granted, int id) {
        if (!granted.isEmpty()) {
            conn.attachOutbound(true);
        }
        DeliveryHooks.subscribed(conn.ctx, next, before, granted, id);
    }

    static void onUnsubscribe(Connection conn, int packetId, List<String> filters) {
        if (!conn.connected()) {
            conn.violation("unsubscribe_before_connack", MqttReasonCodes.Disconnect.PROTOCOL_ERROR,
                    "UNSUBSCRIBE before CONNECT");
            return;
        }
        Context ctx = conn.ctx;
        Channel channel = conn.channel;
        Map<String, Integer> subs = new LinkedHashMap<>(conn.session.subscriptions());
        List<Short> codes = new ArrayList<>();
        for (String f : filters) {
            codes.add(subs.remove(f) != null ? (short) 0x00 : (short) 0x11);
        }
        SessionState previous = conn.session;
        SessionState next = previous.withSubscriptions(subs);
        conn.session = next;
        if (conn.expirySeconds == 0 || next.sameDurableContent(ctx.sessions().get(conn.clientId()))) {
            channel.writeAndFlush(Replies.unsubAck(conn.level(), packetId, codes));
            DeliveryHooks.unsubscribed(ctx, next);
            return;
        }
        ctx.sessions().awaitable(ctx.sessions().store(next)).whenComplete((v, err) -> conn.onLoop(() -> {
            if (err != null) {
                ctx.stats().count("session_store_failed");
                LOG.warn("UNSUBSCRIBE of '{}' failed: session not stored: {}", conn.clientId(), err.toString());
                undo(conn, next, previous);
            }
            if (!conn.closed()) {
                List<Short> result = err == null ? codes : codes.stream().map(c -> (short) 0x80).toList();
                channel.writeAndFlush(Replies.unsubAck(conn.level(), packetId, result));
            }
            if (err == null) {
                DeliveryHooks.unsubscribed(ctx, next);
            }
        }));
    }

    /**
     * A change the client was told failed (0x80) must not stay in the session, where the next store (another
     * SUBSCRIBE, the close) would save it: back to the session before it, unless a later SUBSCRIBE or UNSUBSCRIBE
     * was built on it meanwhile (then that one's own store decides what is kept).
     */
    private static void undo(Connection conn, SessionState failed, SessionState previous) {
        if (conn.session == failed) {
            conn.session = previous;
        }
    }
}
