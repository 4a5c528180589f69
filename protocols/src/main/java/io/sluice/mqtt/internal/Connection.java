package io.sluice.mqtt.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.sluice.ingest.Delivery;
import io.sluice.ingest.Outcome;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MQTT protocol state of one connection and its lifecycle: the phase (awaiting CONNECT, connecting, connected,
 * closed), who the client is (level, client id, session, will, permissions), protocol violations, keep alive and
 * packet arrival deadlines, take-over and kick, PINGREQ, DISCONNECT, and what a close releases (the will, the
 * session's end or its store). The packets' own work is done beside it: {@link Handshake} (CONNECT to CONNACK),
 * {@link InboundPublishes} (PUBLISH, PUBACK order, PUBREL) and {@link SubscriptionRequests} (SUBSCRIBE,
 * UNSUBSCRIBE); reads pause and resume through its {@link ReadGate}; the outbound side is
 * {@code outbound.Outbound}.
 *
 * <p>The fields those classes set or read are package-private; nothing outside this package sees this class.
 *
 * <p>Threading: every method runs on the channel's event loop, except {@link #takeOver} and {@link #kick}, which
 * re-dispatch. Delivery completions arrive on arbitrary threads and are re-dispatched to the event loop.
 */
final class Connection {
    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);

    enum Phase { AWAIT_CONNECT, CONNECTING, CONNECTED, CLOSED }

    /** How long a drain waits for a DISCONNECT to be written before it closes the connection anyway. */
    static final long DRAIN_DISCONNECT_WRITE_MS = 10_000;

    final Channel channel;
    final Context ctx;
    // set by Handshake from the CONNECT (and the session by SubscriptionRequests); read everywhere
    Phase phase = Phase.AWAIT_CONNECT;
    int level;
    String clientId;
    long expirySeconds;
    boolean cleanStart;
    SessionState session;
    Packets.Will will;
    /** Set once the successful CONNACK is sent; a close by the server after it (keep alive, violation) owes the will. */
    boolean connackSent;
    /** Who this client is and what it may do; set once authenticated. */
    io.sluice.auth.TopicPermissions permissions;
    /** The client's Receive Maximum (MQTT 5; 0 for 3.1.1) and Maximum Packet Size (0: none), for {@link #outbound}. */
    int clientReceiveMaximum;
    long clientMaxPacketSize;
    /** Topic aliases this server may use towards the client (MQTT 5; 0: none), for {@link #outbound}. */
    int outboundTopicAliases;
    boolean willRetain;
    /** Accepted past mqtt.max_connections only to be told, at CONNECT, to use another server ({@link Handshake}). */
    boolean overCapacity;
    // this class's own
    private boolean normalDisconnect;
    private boolean takenOver;
    /** Set (on the follower thread, read on the event loop) when a connection on another node took this client id. */
    private volatile boolean takenOverRemote;
    /** Set (follower thread) when another node removed this session after this connection's record: it ended there. */
    private volatile boolean sessionEndedElsewhere;
    /** Whether this channel reads, and why not. */
    final ReadGate reads;
    /** PUBLISH, PUBACK and PUBREL of messages from this client; null until the first ({@link #inbound()}). */
    private InboundPublishes inbound;
    /** Messages to this client (delivery on, once it subscribes or its session has a queue); {@link DeliveryHooks}. */
    private io.sluice.mqtt.internal.outbound.Outbound outbound;

    Connection(Channel channel, Context ctx) {
        this.channel = channel;
        this.ctx = ctx;
        this.reads = new ReadGate(channel, ctx.stats());
    }

    String clientId() {
        return clientId;
    }

    boolean connected() {
        return phase == Phase.CONNECTED;
    }

    /** True once a CONNECT was handled (accepted, in progress or refused): any later CONNECT is a violation. */
    boolean connectSeen() {
        return phase != Phase.AWAIT_CONNECT;
    }

    // ---------------------------------------------------------------- CONNECT (Handshake), take-over, kick

    void onConnect(int protocolLevel, String requestedId, boolean clean, int keepAliveSeconds, MqttProperties props,
                   Packets.Will willMessage, boolean willRetain, String userName, byte[] password) {
        Handshake.onConnect(this, protocolLevel, requestedId, clean, keepAliveSeconds, props, willMessage, willRetain,
                userName, password);
    }

    /** The length of {@code s} in UTF-8, as MQTT counts a string (client ids, topic filters). */
    static int utf8Length(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    /** Another connection took this client id: MQTT 5 gets DISCONNECT 0x8E, then the connection closes. */
    void takeOver() {
        onLoop(() -> {
            if (phase == Phase.CLOSED) {
                return;
            }
            takenOver = true;
            ctx.stats().count("session_taken_over");
            LOG.info("Client '{}' connected again elsewhere: closing the older connection {}", clientId,
                    channel.remoteAddress());
            closeWith(MqttReasonCodes.Disconnect.SESSION_TAKEN_OVER);
        });
    }

    /**
     * A connection on node {@code node} took this client id (the sessions log says so, after this node's own
     * record): MQTT 5 gets DISCONNECT 0x8E, then the connection closes, writing nothing more for the session. Any
     * thread.
     */
    void takeOverRemote(String node) {
        takenOverRemote = true;
        onLoop(() -> {
            if (phase == Phase.CLOSED || takenOver) {
                return;
            }
            takenOver = true;
            ctx.stats().count("session_taken_over_remote");
            LOG.debug("Client '{}' connected on node '{}': closing its connection here {}", clientId, node,
                    channel.remoteAddress());
            closeWith(MqttReasonCodes.Disconnect.SESSION_TAKEN_OVER);
        });
    }

    /** Another node removed this session after this connection's record (a clean start there). Any thread. */
    void sessionEndedElsewhere() {
        sessionEndedElsewhere = true;
    }

    /**
     * Another node wrote this persistent session as disconnected after this connection's record (its older
     * connection of the client closed late): this connection writes its session again so the log says where the
     * client is. Any thread.
     */
    void reassert() {
        onLoop(() -> {
            if (phase == Phase.CONNECTED && !takenOver && !takenOverRemote && persistent() && session != null) {
                ctx.stats().count("session_reasserted");
                ctx.sessions().store(session);
            }
        });
    }

    /** Ends the connection: MQTT 5 gets DISCONNECT with {@code reason} first, MQTT 3.1.1 is closed. Event loop. */
    private void closeWith(MqttReasonCodes.Disconnect reason) {
        if (level == 5 && phase == Phase.CONNECTED) {
            channel.writeAndFlush(Replies.disconnect(reason.byteValue())).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
        }
    }

    /** An operator closed this connection: MQTT 5 gets DISCONNECT 0x98 (administrative action). */
    void kick() {
        onLoop(() -> {
            if (phase == Phase.CLOSED) {
                return;
            }
            ctx.stats().count("kicked");
            LOG.info("Closing the connection of '{}' at an operator's request", clientId);
            closeWith(MqttReasonCodes.Disconnect.ADMINISTRATIVE_ACTION);
        });
    }

    // ---------------------------------------------------------------- PUBLISH (InboundPublishes)

    void onPublish(Packets.Publish p, long receivedAtNanos) {
        inbound().onPublish(p, receivedAtNanos);
    }

    /** Ends the connection without acknowledging {@code packetId}, after flushing the acks written before it. */
    void closeUnacknowledged(int packetId, Delivery delivery) {
        boolean retryable = delivery.outcome() != Outcome.REJECTED;
        ctx.stats().count(retryable ? "kafka_retryable_connection_closed" : "kafka_rejected_connection_closed");
        LOG.warn("Closing MQTT {} connection of '{}' without acknowledging message {}: Kafka did not take it{}: {}",
                version(), clientId, packetId, retryable ? " (the client retransmits it)" : "",
                delivery.reason());
        phase = Phase.CLOSED;
        if (level == 5) {
            channel.writeAndFlush(Replies.disconnect(MqttReasonCodes.Disconnect.SERVER_BUSY.byteValue(),
                    "Kafka did not take message " + packetId + ": " + delivery.reason()))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.flush();
            channel.close();
        }
    }

    // ---------------------------------------------------------------- PUBREL; what the classes beside this one read

    /** True when QoS 2 PUBLISHes are taken: the ingest can write a reading and its packet id atomically. */
    boolean qos2Enabled() {
        return ctx.ingest().exactlyOnce() != null;
    }

    void onPubRel(int packetId) {
        inbound().onPubRel(packetId);
    }

    /** The inbound side, allocated on first use: a connection that never publishes holds none. */
    InboundPublishes inbound() {
        if (inbound == null) {
            inbound = new InboundPublishes(this, channel, ctx);
        }
        return inbound;
    }

    /** True when this connection's session outlives it, so QoS 2 packet ids must be remembered durably. */
    boolean persistent() {
        return expirySeconds > 0;
    }

    /** True once a newer connection of this client id took this one over. */
    boolean takenOver() {
        return takenOver;
    }

    io.sluice.auth.TopicPermissions permissions() {
        return permissions;
    }

    boolean closed() {
        return phase == Phase.CLOSED;
    }

    int level() {
        return level;
    }

    // ---------------------------------------------------------------- SUBSCRIBE, UNSUBSCRIBE, PING, DISCONNECT

    void onSubscribe(int packetId, List<Packets.Subscription> subscriptions) {
        onSubscribe(packetId, subscriptions, -1);
    }

    /** {@code subscriptionId}: the MQTT 5 Subscription Identifier, -1 when absent. */
    void onSubscribe(int packetId, List<Packets.Subscription> subscriptions, int subscriptionId) {
        SubscriptionRequests.onSubscribe(this, packetId, subscriptions, subscriptionId);
    }

    /** Binds this connection to its session's queue: when {@code force}, or when the session already has one. */
    void attachOutbound(boolean force) {
        if (outbound == null) {
            outbound = DeliveryHooks.attach(ctx, channel, clientId, level, expirySeconds > 0, clientReceiveMaximum,
                    clientMaxPacketSize, outboundTopicAliases, force, permissions);
        }
    }

    void onUnsubscribe(int packetId, List<String> filters) {
        SubscriptionRequests.onUnsubscribe(this, packetId, filters);
    }

    /**
     * PUBACK, PUBREC or PUBCOMP of a message sent to this client: its outbound side takes it. Nothing sent (delivery
     * off, not connected): a stray PUBACK is ignored as MQTT 5 allows, a PUBREC or PUBCOMP is a protocol error.
     */
    void onAckOfSent(io.netty.handler.codec.mqtt.MqttMessageType type, int packetId, int reasonCode) {
        boolean puback = type == io.netty.handler.codec.mqtt.MqttMessageType.PUBACK;
        if (outbound != null && phase == Phase.CONNECTED) {
            outbound.onAck(type, packetId, reasonCode);
        } else if (!puback) {
            violation("unexpected_packet", MqttReasonCodes.Disconnect.PROTOCOL_ERROR, "unexpected " + type + " packet");
        }
    }

    void onPingReq() {
        if (phase != Phase.CONNECTED) {
            violation("pingreq_before_connack", MqttReasonCodes.Disconnect.PROTOCOL_ERROR, "PINGREQ before CONNECT");
            return;
        }
        channel.writeAndFlush(Replies.PINGRESP);
    }

    void onDisconnect(int reasonCode, Long newExpirySeconds) {
        if (phase != Phase.CONNECTED) {
            channel.close();
            return;
        }
        if (newExpirySeconds != null) {
            if (expirySeconds == 0 && newExpirySeconds > 0) {
                violation("session_expiry_protocol_error", MqttReasonCodes.Disconnect.PROTOCOL_ERROR,
                        "DISCONNECT set a session expiry after CONNECT had none");
                return;
            }
            expirySeconds = Math.min(newExpirySeconds, ctx.config().maxSessionExpirySeconds());
        }
        normalDisconnect = reasonCode != 0x04; // 0x04: disconnect with will message
        channel.close();
    }

    // ---------------------------------------------------------------- errors, idle, close

    /** A protocol violation: MQTT 5 gets DISCONNECT with the reason code, MQTT 3.1.1 a closed connection. */
    void violation(String event, MqttReasonCodes.Disconnect code, String what) {
        ctx.stats().count(event);
        LOG.warn("Closing connection {} ('{}'): {} [{}]", channel.remoteAddress(), clientId, what, event);
        if (level == 5 && phase == Phase.CONNECTED) {
            channel.writeAndFlush(Replies.disconnect(code.byteValue())).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
        }
        phase = Phase.CLOSED;
    }

    /**
     * This node is full (mqtt.max_connections): an MQTT 5 client gets CONNACK 0x9C (use another server) naming the
     * next server reference; any other is closed without CONNACK, as a connection past the bound always was.
     */
    void refuseOverCapacity() {
        ctx.stats().count("max_connections_refused");
        String reference = level == 5 ? ctx.references().next() : null;
        LOG.warn("Refusing CONNECT from {} ('{}'): mqtt.max_connections ({}) reached{} [max_connections_refused]",
                channel.remoteAddress(), clientId, ctx.config().maxConnections(),
                reference == null ? "" : "; told to use " + reference);
        if (reference != null) {
            channel.writeAndFlush(Replies.connAck(MqttConnectReturnCode.CONNECTION_REFUSED_USE_ANOTHER_SERVER, false,
                    Replies.serverReference(reference))).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
        }
        phase = Phase.CLOSED;
    }

    /** A CONNACK refusal in the client's protocol level, then close. A null code falls back to the other level's. */
    void refuse(String event, MqttConnectReturnCode v3, MqttConnectReturnCode v5) {
        ctx.stats().count(event);
        LOG.warn("Refusing CONNECT from {} ('{}'): {}", channel.remoteAddress(), clientId, event);
        MqttConnectReturnCode code = level == 5 ? (v5 != null ? v5 : v3) : (v3 != null ? v3 : v5);
        MqttMessage reply = Replies.connAck(code, false, null);
        channel.writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
        phase = Phase.CLOSED;
    }

    void onKeepAliveExpired() {
        violation("keep_alive_timeout", MqttReasonCodes.Disconnect.KEEP_ALIVE_TIMEOUT, "no packet within 1.5 x keep alive");
    }

    /** A packet started and did not arrive whole in time (slow loris): MQTT 5 gets DISCONNECT 0x83, then close. */
    void onPacketArrivalExpired() {
        if (phase == Phase.CLOSED) {
            return;
        }
        String what = "a packet did not arrive whole within " + ctx.config().packetArrivalTimeoutMs() + " ms";
        ctx.stats().count("packet_arrival_timeout");
        LOG.warn("Closing connection {} ('{}'): {} [packet_arrival_timeout]", channel.remoteAddress(), clientId, what);
        if (level == 5 && phase == Phase.CONNECTED) {
            channel.writeAndFlush(Replies.disconnect(MqttReasonCodes.Disconnect.IMPLEMENTATION_SPECIFIC_ERROR.byteValue(),
                    what)).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
        }
        phase = Phase.CLOSED;
    }

    /**
     * A drain: read nothing more from this client, so every message already read gets its outcome and the count
     * of outstanding messages reaches zero. PUBACKs still go out. Lasts until the connection closes.
     */
    void stopReading() {
        if (phase != Phase.CLOSED) {
            reads.pause(ReadGate.PAUSE_DRAINING);
        }
    }

    /**
     * This node is shutting down and is about to close every connection: an MQTT 5 client is told so, which lets it
     * reconnect at once, to another node: DISCONNECT 0x9C (use another server) with the next of
     * mqtt.server_references when there are any, else 0x8B (server shutting down) to reconnect behind the same
     * address. MQTT 3.1.1 has no server DISCONNECT: its connection is just closed. Event loop.
     *
     * @return the DISCONNECT's write, or null when nothing was sent
     */
    io.netty.channel.ChannelFuture shuttingDown() {
        if (level != 5 || phase != Phase.CONNECTED) {
            return null;
        }
        String reference = ctx.references().next();
        if (reference != null) {
            ctx.stats().count("disconnect_use_another_server");
            return channel.writeAndFlush(Replies.useAnotherServer(reference));
        }
        ctx.stats().count("disconnect_server_shutting_down");
        return channel.writeAndFlush(Replies.disconnect(MqttReasonCodes.Disconnect.SERVER_SHUTTING_DOWN.byteValue()));
    }

    /**
     * A drain ends this connection as a stop does ({@link #shuttingDown}: MQTT 5 told where to go, then closed; MQTT
     * 3.1.1 and a client not connected yet closed), while the node runs on. What a close releases happens as on any
     * close (a persistent session is written disconnected). Event loop.
     *
     * @return false when it was closed already
     */
    boolean endForDrain() {
        if (phase == Phase.CLOSED || !channel.isActive()) {
            return false;
        }
        io.netty.channel.ChannelFuture told = shuttingDown();
        if (told != null) {
            told.addListener(ChannelFutureListener.CLOSE);
            // a client that reads nothing (its socket buffers full) would keep the DISCONNECT unwritten and the
            // connection open, unread and so without a keep alive deadline: close it anyway
            channel.eventLoop().schedule(() -> {
                channel.close();
            }, DRAIN_DISCONNECT_WRITE_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
        } else {
            channel.close();
        }
        return true;
    }

    /**
     * The bytes of incomplete packets across connections are over mqtt.max_partial_packet_bytes and this client
     * holds part of one: read nothing more until the total falls. Its packet arrival deadline keeps running.
     */
    void onPartialPacketCapReached() {
        if (phase == Phase.CLOSED) {
            return;
        }
        ctx.stats().count("partial_packet_bytes_full");
        LOG.debug("Not reading {} ('{}') for now: mqtt.max_partial_packet_bytes ({}) held in incomplete packets"
                + " [partial_packet_bytes_full]", channel.remoteAddress(), clientId,
                ctx.config().maxPartialPacketBytes());
        reads.pause(ReadGate.PAUSE_PARTIAL_CAP);
    }

    void onPartialPacketCapFreed() {
        reads.resume(ReadGate.PAUSE_PARTIAL_CAP);
    }

    void onWritabilityChanged(boolean writable) {
        if (writable) {
            reads.resume(ReadGate.PAUSE_WRITABILITY);
            if (outbound != null) {
                outbound.onWritable();
            }
        } else {
            reads.pause(ReadGate.PAUSE_WRITABILITY);
        }
    }

    /** The channel closed, for whatever reason. Releases everything this connection holds. */
    void onClosed() {
        Phase was = phase;
        phase = Phase.CLOSED;
        if (inbound != null) {
            inbound.onClosed();
        }
        if (clientId != null && was != Phase.AWAIT_CONNECT) {
            ctx.sessions().closed(clientId, this);
        }
        if (takenOverRemote && clientId != null && was != Phase.AWAIT_CONNECT) {
            closedTakenOverRemote();
            return;
        }
        if (outbound != null) {
            outbound.closed(expirySeconds > 0); // a session that does not outlive this connection ends below
        }
        if (clientId == null || was == Phase.AWAIT_CONNECT || !ctx.sessions().unregister(clientId, this)) {
            return; // never connected, or taken over: the newer connection owns the session now
        }
        if (will != null && !normalDisconnect && !takenOver && connackSent) {
            // the will waits for its delay or the end of the session, whichever comes first
            long delaySeconds = Math.min(will.delaySeconds(), expirySeconds);
            if (delaySeconds > 0) {
                StoredWill stored = new StoredWill(will, willRetain, version(), permissions.identity(),
                        ctx.clock().millis() + delaySeconds * 1000, ctx.sessions().nodeId());
                ctx.sessions().delayedWills().schedule(clientId, channel.eventLoop(), delaySeconds * 1000, stored,
                        this::publishWill);
            } else {
                publishWill();
            }
        }
        if (expirySeconds > 0 && session != null) {
            ctx.sessions().store(session.disconnected(ctx.clock().millis(), expirySeconds));
        } else {
            ctx.sessions().discard(clientId); // a session without expiry ends with its connection
        }
    }

    /**
     * Another node owns the session now: nothing more is written for it here (its record is the new owner's), its
     * queue here is left to the sessions follower, which hands it over to the new node (a session that ends with
     * this connection has its outbound state dropped), and the will is published
     * only when the session ended: with this connection (expiry 0), or by a clean start on the new node (a tombstone
     * of that node read before its connected record), as MQTT 5 publishes a will on takeover only when the session
     * ends; a persistent session that lives on at the new node gets no will.
     */
    private void closedTakenOverRemote() {
        boolean livesOn = expirySeconds > 0 && !sessionEndedElsewhere;
        if (outbound != null) {
            // a session that lives on keeps its queue (its unacknowledged copies back at the head) for the sessions
            // follower, which hands it over to the new node right after telling this connection to end: this close
            // may run before that, and ending the queue here lost what the new node was to be handed
            outbound.closed(livesOn);
        }
        if (!ctx.sessions().unregister(clientId, this)) {
            return; // a newer connection here owns the id
        }
        if (will != null && !normalDisconnect && connackSent && !livesOn) {
            publishWill(); // the session ended with this connection, or by a clean start on the new node
        }
        if (livesOn) {
            ctx.sessions().movedAway(clientId);
        } else {
            ctx.sessions().endedHere(clientId);
        }
    }

    private void publishWill() {
        WillPublisher.publish(ctx, clientId, version(), will, willRetain, permissions);
    }

    String version() {
        return switch (level) {
            case 5 -> "5";
            case 3 -> "3.1";
            default -> "3.1.1";
        };
    }

    void onLoop(Runnable r) {
        try {
            channel.eventLoop().execute(r);
        } catch (RejectedExecutionException e) {
            // the event loop is shutting down; the channel is closed and the client will retransmit
        }
    }
}
