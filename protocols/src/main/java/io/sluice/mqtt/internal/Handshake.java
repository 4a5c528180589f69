package io.sluice.mqtt.internal;

import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CONNECT to CONNACK for one {@link Connection}: the checks of a CONNECT (a second one, a drain under way, a node
 * full (use another server), an
 * authentication method, will QoS and retain, the client id), the client id assigned when none was sent,
 * authentication ({@link ConnectAuth}), the session (its expiry capped, the cap on persistent sessions, taking over
 * an earlier connection of the client id, storing it before CONNACK when it changed), then the CONNACK with its
 * MQTT 5 properties, the keep alive, the QoS 2 ids a resumed session awaits PUBREL for, and the outbound side. Reads
 * stay paused from CONNECT to CONNACK. A refusal goes through {@link Connection#refuse}.
 *
 * <p>Stateless: what it learns (level, client id, will, permissions, session) it sets on the connection, whose state
 * it is. Threading: the channel's event loop; a password check and a session store complete elsewhere and are
 * re-dispatched to it.
 */
final class Handshake {
    /** Connection's logger: the log lines are the ones it always wrote. */
    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);

    private Handshake() {
    }

    static void onConnect(Connection conn, int protocolLevel, String requestedId, boolean clean, int keepAliveSeconds,
                          MqttProperties props, Packets.Will willMessage, boolean willRetain, String userName,
                          byte[] password) {
        Context ctx = conn.ctx;
        if (conn.phase != Connection.Phase.AWAIT_CONNECT) {
            conn.violation("second_connect", MqttReasonCodes.Disconnect.PROTOCOL_ERROR, "a second CONNECT");
            return;
        }
        conn.level = protocolLevel;
        if (!ctx.accepting().get()) {
            conn.refuse("refused_shutting_down", MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
                    MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5);
            return;
        }
        if (conn.overCapacity) {
            conn.refuseOverCapacity();
            return;
        }
        if (conn.level == 5
                && props.getProperty(MqttProperties.MqttPropertyType.AUTHENTICATION_METHOD.value()) != null) {
            conn.refuse("bad_authentication_method", null,
                    MqttConnectReturnCode.CONNECTION_REFUSED_BAD_AUTHENTICATION_METHOD);
            return;
        }
        if (willMessage != null && conn.level == 5 && willMessage.qos() > 1 && !conn.qos2Enabled()) {
            conn.refuse("will_qos_not_supported", null, MqttConnectReturnCode.CONNECTION_REFUSED_QOS_NOT_SUPPORTED);
            return;
        }
        if (willMessage != null && conn.level == 5 && willRetain && ctx.broker() == null) {
            conn.refuse("will_retain_not_supported", null,
                    MqttConnectReturnCode.CONNECTION_REFUSED_RETAIN_NOT_SUPPORTED);
            return;
        }
        SessionRegistry sessions = ctx.sessions();
        if (requestedId != null && Connection.utf8Length(requestedId) > sessions.limits().maxClientIdBytes()) {
            conn.refuse("client_id_too_long", MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED,
                    MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID);
            return;
        }
        String assigned = null;
        String id = requestedId;
        if (id == null || id.isEmpty()) {
            if (conn.level != 5 && !clean) {
                conn.refuse("identifier_rejected", MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED, null);
                return;
            }
            id = "sluice-" + UUID.randomUUID();
            assigned = conn.level == 5 ? id : null;
        }
        conn.clientId = id;
        conn.cleanStart = clean;
        conn.willRetain = willRetain && ctx.broker() != null;
        conn.will = willMessage == null ? null
                : willMessage.withQos(conn.qos2Enabled() ? willMessage.qos() : Math.min(1, willMessage.qos()));
        conn.phase = Connection.Phase.CONNECTING;
        // clients may pipeline packets after CONNECT; they wait for the CONNACK
        conn.reads.pause(ReadGate.PAUSE_CONNECTING);
        final String assignedId = assigned;
        ConnectAuth.authenticate(conn.channel, ctx, userName, password, id, (decision, error) -> {
            if (conn.phase == Connection.Phase.CLOSED) {
                return;
            }
            if (!ConnectAuth.accepted(conn, decision, error)) {
                return;
            }
            conn.permissions = ctx.auth().permissions(decision.identity(), conn.clientId);
            connectAuthenticated(conn, clean, keepAliveSeconds, props, assignedId);
        });
    }

    /**
     * The rest of a CONNECT, once its client is authenticated. One that may resume a session on a node that shares
     * the sessions topic with others first waits until this node has read what they wrote before it (bounded by
     * {@code mqtt.session_catch_up_timeout_ms}): the client may have subscribed on another node a moment ago.
     */
    private static void connectAuthenticated(Connection conn, boolean clean, int keepAliveSeconds,
                                             MqttProperties props, String assigned) {
        SessionRegistry sessions = conn.ctx.sessions();
        if (clean || !sessions.needsCatchUp()) {
            connectSession(conn, clean, keepAliveSeconds, props, assigned);
            return;
        }
        sessions.caughtUp().whenComplete((v, err) -> conn.onLoop(() -> {
            if (conn.phase != Connection.Phase.CLOSED) {
                connectSession(conn, false, keepAliveSeconds, props, assigned);
            }
        }));
    }

    /** The session of a CONNECT, then CONNACK. */
    private static void connectSession(Connection conn, boolean clean, int keepAliveSeconds,
                                       MqttProperties props, String assigned) {
        Context ctx = conn.ctx;
        String id = conn.clientId;
        SessionRegistry sessions = ctx.sessions();
        long requested = conn.level == 5 ? sessionExpiryProperty(props)
                : (clean ? 0 : ctx.config().maxSessionExpirySeconds());
        conn.expirySeconds = Math.min(requested, ctx.config().maxSessionExpirySeconds());
        boolean expiryCapped = conn.level == 5 && requested != conn.expirySeconds;
        boolean creating = conn.expirySeconds > 0 && sessions.get(id) == null;
        if (creating && !sessions.admitNew(id)) {
            // a new persistent session beyond the cap; resuming a stored one never gets here
            conn.clientId = id;
            conn.refuse("persistent_sessions_full", MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
                    MqttConnectReturnCode.CONNECTION_REFUSED_QUOTA_EXCEEDED);
            return;
        }
        if (sessions.connectedElsewhere(id)) {
            ctx.stats().count("session_took_over_remote"); // that node yields once it reads this node's record
        }
        Connection previous = ctx.sessions().register(id, conn);
        ctx.sessions().delayedWills().onConnect(id, clean); // back within a will delay: no will (clean start: now)
        if (previous != null && previous != conn) {
            previous.takeOver();
        }
        String node = sessions.nodeId();
        SessionState existing = clean ? null : ctx.sessions().get(id);
        boolean present = existing != null;
        // QoS 2 writes of an earlier connection of this client settle first, so their packet ids are known here
        CompletionStage<Void> durable = clean ? ctx.sessions().discard(id) : ctx.sessions().exactlyOnceSettled(id);
        if (conn.expirySeconds > 0) {
            SessionState next = existing != null ? existing.connected(conn.level, conn.expirySeconds, node)
                    : new SessionState(id, conn.level, conn.expirySeconds, 0, Map.of(), Map.of(), node);
            conn.session = next;
            if (next.sameDurableContent(existing)) {
                // Resuming an unchanged durable session needs no write before CONNACK: reconnects keep working
                // while Kafka is unreachable. The connected marker is refreshed in the background.
                ctx.sessions().store(next);
            } else {
                durable = durable.thenCompose(v -> ctx.sessions().store(next));
            }
        } else {
            conn.session = new SessionState(id, conn.level, 0, 0,
                    existing == null ? Map.of() : existing.subscriptions(), Map.of(), node);
            // visible to the fleet while connected, so another node's CONNECT of this id takes it over; CONNACK
            // does not wait for it
            sessions.writePresence(conn.session);
        }
        if (creating) {
            final String newId = id;
            durable.whenComplete((v, err) -> sessions.settled(newId)); // counted as stored, or not at all
        }
        final String assignedId = assigned;
        ctx.sessions().awaitable(durable).whenComplete((v, err) -> conn.onLoop(() -> completeConnect(conn, err,
                present, assignedId, expiryCapped, keepAliveSeconds, props)));
    }

    private static void completeConnect(Connection conn, Throwable storeError, boolean present, String assignedId,
                                        boolean expiryCapped, int keepAliveSeconds, MqttProperties connectProps) {
        Context ctx = conn.ctx;
        Channel channel = conn.channel;
        if (conn.phase == Connection.Phase.CLOSED) {
            return;
        }
        if (storeError != null) {
            boolean timedOut = storeError instanceof java.util.concurrent.TimeoutException;
            LOG.warn("CONNECT of '{}' refused: its session could not be stored{}: {}", conn.clientId,
                    timedOut ? " within mqtt.session_store_timeout_ms" : "", storeError.toString());
            if (!present && conn.session != null && conn.session.expirySeconds() > 0) {
                // the write may still land: make sure a refused CONNECT leaves no new session behind
                ctx.sessions().abandon(conn.clientId);
                conn.session = null;
            }
            conn.refuse(timedOut ? "session_store_timeout" : "session_store_failed",
                    MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
                    MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5);
            return;
        }
        conn.phase = Connection.Phase.CONNECTED;
        conn.connackSent = true;
        if (present && conn.qos2Enabled()) {
            java.util.Set<Integer> remembered = ctx.sessions().rememberedIds(conn.clientId);
            if (!remembered.isEmpty()) {
                conn.inbound().resumeQos2(remembered); // their PUBRELs may come now
            }
        }
        int maxKeepAlive = ctx.config().maxKeepAliveSeconds();
        int keepAlive = keepAliveSeconds == 0 || keepAliveSeconds > maxKeepAlive ? maxKeepAlive : keepAliveSeconds;
        ReadDeadlines deadlines = conn.reads.deadlines();
        if (deadlines != null) {
            deadlines.keepAlive(keepAlive * 1500L); // 1.5 times the keep alive, as the spec says
        }
        MqttProperties props = null;
        if (conn.level == 5) {
            MqttMessageBuilders.ConnAckPropertiesBuilder b = new MqttMessageBuilders.ConnAckPropertiesBuilder()
                    .receiveMaximum(ctx.config().receiveMaximum())
                    .retainAvailable(ctx.broker() != null)
                    .maximumPacketSize(ctx.config().maxPacketSizeBytes())
                    .topicAliasMaximum(ctx.config().topicAliasMaximum())
                    .wildcardSubscriptionAvailable(true)
                    .subscriptionIdentifiersAvailable(ctx.broker() != null)
                    .sharedSubscriptionAvailable(ctx.broker() != null);
            if (!conn.qos2Enabled()) {
                b.maximumQos((byte) 1); // absent means 2
            }
            if (assignedId != null) {
                b.assignedClientId(assignedId);
            }
            if (expiryCapped) {
                b.sessionExpiryInterval(conn.expirySeconds);
            }
            if (keepAlive != keepAliveSeconds) {
                b.serverKeepAlive(keepAlive); // the client must use it instead of its own [MQTT-3.2.2-21]
            }
            props = b.build();
        }
        ctx.stats().connectsAccepted.increment();
        channel.writeAndFlush(Replies.connAck(MqttConnectReturnCode.CONNECTION_ACCEPTED, present, props));
        conn.clientReceiveMaximum = DeliveryHooks.receiveMaximum(conn.level, connectProps);
        conn.clientMaxPacketSize = DeliveryHooks.maxPacketSize(conn.level, connectProps);
        conn.outboundTopicAliases = DeliveryHooks.outboundTopicAliases(conn.level, connectProps,
                ctx.config().topicAliasMaximum());
        conn.attachOutbound(false);
        if (!ctx.accepting().get()) {
            conn.reads.pause(ReadGate.PAUSE_DRAINING); // accepted while a drain began: it reads nothing more either
        }
        conn.reads.resume(ReadGate.PAUSE_CONNECTING);
    }

    private static long sessionExpiryProperty(MqttProperties props) {
        MqttProperties.MqttProperty<?> p =
                props.getProperty(MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value());
        return p == null ? 0 : Integer.toUnsignedLong((Integer) p.value());
    }
}
