package io.sluice.mqtt.internal.outbound;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.sluice.auth.TopicPermissions;
import io.sluice.delivery.Message;
import io.sluice.ingest.Envelope.UserProperty;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The outbound side of one connection: writes its session's queued copies as PUBLISH packets within the client's
 * window (MQTT 5 Receive Maximum, MQTT 3.1.1 {@code delivery.max_inflight_per_session}) while the channel is
 * writable, and takes the client's PUBACK, PUBREC and PUBCOMP (sending PUBREL; for a persistent session only once
 * the sessions topic holds the PUBREC, see {@link SessionQueue#received}). With an ACL, each copy is sent only
 * when the connection may read its topic (checked as it is taken from the queue, so live, queued, retained and
 * resent copies alike); one it may not is dropped, {@code delivery_not_authorized}.
 *
 * <p>Threading: {@link #wake} from any thread; everything else on the channel's event loop.
 */
public final class Outbound {
    /** Copies taken from the queue per pass; the channel's writability is checked between passes. */
    private static final int BATCH = 32;

    private final Channel channel;
    private final SessionQueue queue;
    private final Broker broker;
    private final int level;
    private final int window;
    private final long maxPacketSize;
    /** What the connection may read (checked per copy as it is sent); null: no ACL, everything. */
    private final TopicPermissions readable;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    /**
     * Topic aliases given to the client (MQTT 5), topic to alias; at most {@link #aliasMaximum}, the first topics
     * sent keep them for the connection's life. Null when none may be used. Event loop only.
     */
    private java.util.Map<String, Integer> aliases;
    private int aliasMaximum;
    /** A batch of QoS 2 copies waits for its record (event loop only). */
    private boolean recording;

    Outbound(Channel channel, SessionQueue queue, Broker broker, int level, int window, long maxPacketSize,
             TopicPermissions readable) {
        this.channel = channel;
        this.queue = queue;
        this.broker = broker;
        this.level = level;
        this.window = window;
        this.maxPacketSize = maxPacketSize;
        this.readable = readable;
    }

    /** Lets this connection's PUBLISHes use up to {@code maximum} topic aliases (0: none). Before any is sent. */
    void useTopicAliases(int maximum) {
        aliasMaximum = level == 5 ? maximum : 0;
        aliases = aliasMaximum > 0 ? new java.util.HashMap<>(Math.min(aliasMaximum, 16) * 2) : null;
    }

    /** True when the connection's ACL lets it receive a message published to {@code topic}. Event loop. */
    boolean mayRead(String topic) {
        return readable == null || readable.mayRead(topic);
    }

    int level() {
        return level;
    }

    long maxPacketSize() {
        return maxPacketSize;
    }

    /** Something was queued: drain on the event loop (at most one pass scheduled at a time). Any thread. */
    void wake() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                channel.eventLoop().execute(this::drain);
            } catch (RejectedExecutionException e) {
                scheduled.set(false); // shutting down: the channel closes and the queue keeps the copies
            }
        }
    }

    /**
     * Writes what the window and the channel's writability allow. A batch of QoS 2 copies that must be recorded first
     * ({@link SessionQueue#take}) is written once its record is durable, back on the event loop; nothing more is
     * taken meanwhile, so the order of the queue is kept. Event loop.
     */
    public void drain() {
        scheduled.set(false);
        if (recording) {
            return; // drained again once the batch waiting for its record is written
        }
        boolean wrote = false;
        if (channel.isActive()) {
            for (int id : queue.lapsedReleases(this)) {
                channel.write(pubRel(id)); // before any PUBLISH that reuses the id
                broker.stats().count("delivery_pubrel_lapsed");
                wrote = true;
            }
        }
        while (channel.isActive() && channel.isWritable()) {
            long now = broker.clock().millis();
            SessionQueue.Taken taken = queue.take(this, window, BATCH, now);
            if (taken.copies().isEmpty()) {
                break;
            }
            if (taken.record() != null) {
                recording = true;
                taken.record().whenComplete((v, err) -> onLoop(() -> recorded(taken.copies(), err == null)));
                break;
            }
            write(taken.copies(), now);
            wrote = true;
        }
        if (wrote) {
            channel.flush();
        }
    }

    /** The record of a batch of QoS 2 copies completed: they go out, or (it failed) the connection closes. */
    private void recorded(List<Copy> copies, boolean ok) {
        recording = false;
        queue.batchRecorded(this, copies, ok);
        if (!ok) {
            closeUnrecorded(copies.get(0).packetId);
            return;
        }
        if (channel.isActive()) { // else the session's queue took them back: resent with DUP on the next connection
            write(copies, broker.clock().millis());
            channel.flush();
            drain();
        }
    }

    private void write(List<Copy> batch, long now) {
        for (Copy c : batch) {
            channel.write(c.released ? pubRel(c.packetId) : publish(c, now));
            if (c.released) {
                broker.stats().count("delivery_pubrel_resent");
            } else if (c.dup) {
                broker.stats().count("delivery_resent");
            } else {
                broker.stats().deliveriesSent.increment();
                broker.stats().deliveryLatency(Math.max(0, now - c.message.publishedAtMillis()));
            }
        }
    }

    /** PUBACK, PUBREC or PUBCOMP from the client. */
    public void onAck(MqttMessageType type, int packetId, int reasonCode) {
        switch (type) {
            case PUBACK -> onPubAck(packetId);
            case PUBREC -> onPubRec(packetId, reasonCode);
            case PUBCOMP -> onPubComp(packetId);
            default -> throw new IllegalArgumentException(type.toString());
        }
    }

    /** PUBACK from the client. */
    public void onPubAck(int packetId) {
        if (queue.acknowledged(this, packetId, 1)) {
            drain();
        } else {
            broker.stats().count("puback_unknown_packet_id");
        }
    }

    /** PUBREC from the client: PUBREL goes back, or, with an error reason code, the flow ends there. */
    public void onPubRec(int packetId, int reasonCode) {
        if (reasonCode >= 0x80) {
            if (queue.refusedByClient(this, packetId)) {
                broker.stats().count("delivery_refused_by_client");
                drain();
            }
            return;
        }
        switch (queue.received(this, packetId)) {
            case RELEASE -> channel.writeAndFlush(pubRel(packetId));
            case RECORDING -> { } // PUBREL once the sessions topic holds the PUBREC: sendPubRel
            case UNKNOWN -> {
                broker.stats().count("pubrec_unknown_packet_id");
                // a PUBREL lets the client finish its flow either way; MQTT 5 says the id was not found (0x92)
                channel.writeAndFlush(level == 5 ? pubRelNotFound(packetId) : pubRel(packetId));
            }
        }
    }

    /** The PUBREC of {@code packetId} is durable: PUBREL goes out. Any thread. */
    void sendPubRel(int packetId) {
        onLoop(() -> {
            if (channel.isActive()) {
                channel.writeAndFlush(pubRel(packetId));
            }
        });
    }

    /**
     * The state of the QoS 2 copy {@code packetId} could not be recorded: neither its PUBREL (after a PUBREC) nor its
     * first PUBLISH goes out; the connection closes (MQTT 5: DISCONNECT 0x89 server busy), so the client reconnects
     * and the flow starts again from what was sent (a PUBREC comes again for a PUBLISH resent with DUP). Any thread.
     */
    void closeUnrecorded(int packetId) {
        onLoop(() -> {
            if (!channel.isActive()) {
                return;
            }
            if (level == 5) {
                MqttProperties props = new MqttProperties();
                props.add(new MqttProperties.StringProperty(MqttProperties.REASON_STRING,
                        "could not record the PUBREC of " + packetId + "; resend it"));
                channel.writeAndFlush(MqttMessageBuilders.disconnect().reasonCode((byte) 0x89).properties(props)
                        .build()).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
            } else {
                channel.close();
            }
        });
    }

    private void onLoop(Runnable r) {
        try {
            channel.eventLoop().execute(r);
        } catch (RejectedExecutionException e) {
            // shutting down: the channel closes; the session's state is written at shutdown
        }
    }

    /** PUBCOMP from the client: the QoS 2 copy is finished. */
    public void onPubComp(int packetId) {
        if (queue.acknowledged(this, packetId, 2)) {
            drain();
        } else {
            broker.stats().count("pubcomp_unknown_packet_id");
        }
    }

    /** The channel became writable again. */
    public void onWritable() {
        drain();
    }

    /** The connection closed; {@code persistent}: its session outlives it (else the caller ends the session). */
    public void closed(boolean persistent) {
        queue.detach(this, persistent);
    }

    private MqttPublishMessage publish(Copy c, long now) {
        Message m = c.message;
        MqttProperties props = MqttProperties.NO_PROPERTIES;
        if (level == 5) {
            props = new MqttProperties();
            if (m.payloadFormat() >= 0) {
                props.add(new MqttProperties.IntegerProperty(MqttProperties.PAYLOAD_FORMAT_INDICATOR,
                        m.payloadFormat()));
            }
            long expiry = m.remainingExpirySeconds(now);
            if (expiry > 0) {
                props.add(new MqttProperties.IntegerProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL,
                        (int) Math.min(expiry, 0xFFFF_FFFFL)));
            }
            if (m.contentType() != null) {
                props.add(new MqttProperties.StringProperty(MqttProperties.CONTENT_TYPE, m.contentType()));
            }
            if (m.responseTopic() != null) {
                props.add(new MqttProperties.StringProperty(MqttProperties.RESPONSE_TOPIC, m.responseTopic()));
            }
            if (m.correlationData() != null) {
                props.add(new MqttProperties.BinaryProperty(MqttProperties.CORRELATION_DATA, m.correlationData()));
            }
            for (UserProperty p : m.userProperties()) {
                props.add(new MqttProperties.UserProperty(p.name(), p.value()));
            }
            for (int id : c.subscriptionIds) {
                props.add(new MqttProperties.IntegerProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER, id));
            }
        }
        String topic = m.topic();
        if (aliases != null) {
            Integer alias = aliases.get(topic);
            if (alias != null) {
                topic = ""; // the client knows the topic by its alias since the first PUBLISH that set it
            } else if (aliases.size() < aliasMaximum) {
                alias = aliases.size() + 1; // this PUBLISH carries the topic and sets the alias
                aliases.put(topic, alias);
            }
            if (alias != null) {
                props.add(new MqttProperties.IntegerProperty(MqttProperties.TOPIC_ALIAS, alias));
            }
        }
        MqttFixedHeader header = new MqttFixedHeader(MqttMessageType.PUBLISH, c.dup,
                MqttQoS.valueOf(c.qos), c.retain, 0);
        return new MqttPublishMessage(header, new MqttPublishVariableHeader(topic, c.qos > 0 ? c.packetId : -1,
                props), Unpooled.wrappedBuffer(m.payload()));
    }

    private static MqttMessage pubRelNotFound(int packetId) {
        return new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBREL, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                new io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader(packetId, (byte) 0x92,
                        MqttProperties.NO_PROPERTIES));
    }

    private static MqttMessage pubRel(int packetId) {
        return new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBREL, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(packetId));
    }
}
