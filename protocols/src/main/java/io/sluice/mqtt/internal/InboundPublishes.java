package io.sluice.mqtt.internal;

import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.sluice.ingest.Delivery;
import io.sluice.ingest.Envelope;
import io.sluice.ingest.Outcome;
import io.sluice.ingest.Protocols;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbound PUBLISH path of one {@link Connection}: topic aliases, the ACL check, the client's in-flight count
 * against the Receive Maximum, the global in-flight budget (a PUBLISH it cannot take is parked and reads pause until
 * the budget frees), submission to ingest (and, with delivery on, to the delivery log), and PUBACKs in arrival order
 * after Kafka's answer. QoS 2 goes on to {@link Qos2Inbound}, allocated on first use; PUBREL goes to it too.
 *
 * <p>Owns: the pending PUBACKs, the parked PUBLISH, the topic aliases, the in-flight count and the QoS 2 flow. The
 * connection's phase and identity stay in {@link Connection}, which closes it; reads pause through its
 * {@link ReadGate}. Allocated on the connection's first PUBLISH or PUBREL (or when its resumed session has QoS 2 ids
 * awaiting PUBREL).
 *
 * <p>Threading: the channel's event loop only. Ingest completions arrive on arbitrary threads and are re-dispatched
 * to it ({@link Connection#onLoop}).
 */
final class InboundPublishes {
    /** Connection's logger: the log lines are the ones it always wrote. */
    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);

    private final Connection conn;
    private final Channel channel;
    private final Context ctx;
    /** Unacknowledged QoS 1 and 2 PUBLISHes: QoS 1 awaiting Kafka's answer, QoS 2 being written. */
    private int inflightQos1;
    // per-connection state is allocated on first use: an idle sensor connection should cost little
    private final ArrayDeque<PendingAck> acks = new ArrayDeque<>(4);
    private Map<Integer, String> aliases;
    private Parked parked;
    /** The inbound QoS 2 flow; null until this connection uses QoS 2. */
    private Qos2Inbound qos2;

    InboundPublishes(Connection conn, Channel channel, Context ctx) {
        this.conn = conn;
        this.channel = channel;
        this.ctx = ctx;
    }

    /** A resumed session has QoS 2 ids awaiting their PUBREL: the QoS 2 flow starts with them. */
    void resumeQos2(Set<Integer> remembered) {
        qos2 = new Qos2Inbound(conn, this, channel, ctx, remembered);
    }

    /** The connection closed: a parked PUBLISH is dropped (a QoS 0 one counted; a QoS 1 or 2 one was never acked). */
    void onClosed() {
        if (parked != null && parked.envelope.qos() == 0) {
            ctx.stats().count("qos0_dropped_connection_closed");
        }
        parked = null;
    }

    void onPublish(Packets.Publish p, long receivedAtNanos) {
        if (!conn.connected()) {
            conn.violation("publish_before_connack", MqttReasonCodes.Disconnect.PROTOCOL_ERROR,
                    "PUBLISH before CONNECT");
            return;
        }
        if (p.qos() == 2 && !conn.qos2Enabled()) {
            conn.violation("qos2_not_supported", MqttReasonCodes.Disconnect.QOS_NOT_SUPPORTED, "QoS 2 PUBLISH");
            return;
        }
        if (p.retain() && conn.level() == 5 && ctx.broker() == null) {
            conn.violation("retain_not_supported", MqttReasonCodes.Disconnect.RETAIN_NOT_SUPPORTED, "retained PUBLISH");
            return;
        }
        String topic = p.topic();
        if (p.topicAlias() != 0) {
            if (p.topicAlias() == Packets.Publish.ALIAS_ZERO) {
                conn.violation("topic_alias_invalid", MqttReasonCodes.Disconnect.TOPIC_ALIAS_INVALID,
                        "topic alias 0 (not allowed)");
                return;
            }
            if (conn.level() != 5 || p.topicAlias() > ctx.config().topicAliasMaximum()) {
                conn.violation("topic_alias_invalid", MqttReasonCodes.Disconnect.TOPIC_ALIAS_INVALID,
                        "topic alias " + p.topicAlias() + " above maximum " + ctx.config().topicAliasMaximum());
                return;
            }
            if (topic.isEmpty()) {
                topic = aliases == null ? null : aliases.get(p.topicAlias());
                if (topic == null) {
                    conn.violation("topic_alias_unknown", MqttReasonCodes.Disconnect.PROTOCOL_ERROR,
                            "unknown topic alias " + p.topicAlias());
                    return;
                }
            } else {
                if (aliases == null) {
                    aliases = new HashMap<>(4);
                }
                aliases.put(p.topicAlias(), topic);
            }
        }
        if (!TopicNames.validName(topic)) {
            conn.violation("topic_name_invalid", MqttReasonCodes.Disconnect.TOPIC_NAME_INVALID, "invalid topic name");
            return;
        }
        if (p.qos() == 2 && qos2 != null && qos2.answeredAsDuplicate(p.packetId())) {
            return; // a retransmission of a message already taken: never written twice
        }
        if (!conn.permissions().mayPublish(topic)) {
            publishNotAuthorized(p, topic);
            return;
        }
        int awaitingPubRel = qos2 == null ? 0 : qos2.awaitingClient();
        if (p.qos() >= 1 && (conn.level() == 5 ? inflightQos1 + awaitingPubRel >= ctx.config().receiveMaximum()
                : p.qos() == 2 && awaitingPubRel >= ctx.config().receiveMaximum())) {
            conn.violation("receive_maximum_exceeded", MqttReasonCodes.Disconnect.RECEIVE_MAXIMUM_EXCEEDED,
                    "more than " + ctx.config().receiveMaximum() + " unacknowledged QoS 1 and 2 PUBLISHes");
            return;
        }
        Envelope e = new Envelope(conn.clientId(), topic, p.payload(), Protocols.MQTT, conn.version(), p.qos(),
                receivedAtNanos, p.contentType(), p.userProperties(), null, conn.permissions().identity());
        (p.qos() == 2 ? ctx.stats().publishesQos2 : p.qos() == 1 ? ctx.stats().publishesQos1
                : ctx.stats().publishesQos0).increment();
        ctx.stats().publishBytes.add(p.payload().length);
        int weight = e.weightBytes(); // walks every string of the message: once per PUBLISH
        io.sluice.delivery.Message m = ctx.broker() == null || !ctx.broker().wants(topic, p.retain()) ? null
                : DeliveryHooks.message(p, topic, conn.clientId(), ctx.clock());
        if (!ctx.budget().tryAcquire(weight)) {
            // Keep this one message (it is already read) and stop reading until Kafka acknowledges enough.
            parked = new Parked(e, weight, p.packetId(), m);
            conn.reads.pause(ReadGate.PAUSE_BUDGET);
            ctx.budget().park(weight, () -> conn.onLoop(this::retryParked));
            return;
        }
        submit(e, weight, p.packetId(), m);
    }

    /**
     * The ACL does not let this client write {@code topic}: nothing is written. MQTT 5 QoS 1 gets PUBACK 0x87 (in
     * order, after the PUBACKs of earlier PUBLISHes), QoS 0 is dropped, MQTT 3.1.1 QoS 1 (which has no error PUBACK)
     * loses its connection; never a success PUBACK. Counted as publish_not_authorized.
     */
    private void publishNotAuthorized(Packets.Publish p, String topic) {
        if (p.qos() >= 1 && conn.level() != 5) {
            conn.violation("publish_not_authorized", MqttReasonCodes.Disconnect.NOT_AUTHORIZED,
                    "PUBLISH to '" + topic + "' not allowed by the ACL (MQTT 3.1.1 has no error PUBACK)");
            return;
        }
        ctx.stats().count("publish_not_authorized");
        LOG.warn("PUBLISH of '{}' to '{}' not allowed by the ACL: {} [publish_not_authorized]", conn.clientId(), topic,
                p.qos() == 1 ? "PUBACK 0x87" : p.qos() == 2 ? "PUBREC 0x87" : "QoS 0, dropped");
        if (p.qos() == 2) {
            // the flow ends with this refusal: the id is not held, no PUBREL follows
            channel.writeAndFlush(Replies.pubRec(p.packetId(), MqttReasonCodes.PubRec.NOT_AUTHORIZED.byteValue(), null));
            ctx.stats().pubackErrorsSent.increment();
        } else if (p.qos() == 1) {
            PendingAck refused = new PendingAck(p.packetId(), 0);
            refused.delivery = Delivery.rejected("not authorized");
            refused.notAuthorized = true;
            if (acks.isEmpty()) {
                writeNotAuthorized(refused);
                channel.flush();
            } else {
                acks.add(refused); // answered in order, once the PUBLISHes before it are
            }
        }
    }

    private void writeNotAuthorized(PendingAck a) {
        channel.write(Replies.pubAck(a.packetId, MqttReasonCodes.PubAck.NOT_AUTHORIZED.byteValue(), null));
        ctx.stats().pubackErrorsSent.increment();
    }

    private void retryParked() {
        if (parked == null) {
            return;
        }
        if (conn.closed()) {
            if (parked.envelope.qos() == 0) {
                ctx.stats().count("qos0_dropped_connection_closed");
            }
            parked = null;
            return;
        }
        if (ctx.budget().tryAcquire(parked.weight)) {
            Parked p = parked;
            parked = null;
            submit(p.envelope, p.weight, p.packetId, p.message);
            conn.reads.resume(ReadGate.PAUSE_BUDGET);
        } else {
            ctx.budget().park(parked.weight, () -> conn.onLoop(this::retryParked));
        }
    }

    /**
     * Hands a message whose {@code weight} the budget already granted to ingest and, with delivery on, to the
     * delivery log ({@code m}; null when delivery is off).
     */
    private void submit(Envelope e, int weight, int packetId, io.sluice.delivery.Message m) {
        if (e.qos() == 2) {
            if (conn.takenOver() || ctx.sessions().live(conn.clientId()) != conn) {
                // taken over while this PUBLISH was read: the newer connection owns the session's packet ids now
                ctx.budget().release(weight);
                return;
            }
            if (qos2 == null) {
                qos2 = new Qos2Inbound(conn, this, channel, ctx, java.util.Set.of());
            }
            qos2.submit(e, weight, packetId, m);
            return;
        }
        PendingAck ack = null;
        if (e.qos() == 1) {
            ack = new PendingAck(packetId, e.receivedAtNanos());
            acks.add(ack);
            inflightQos1++;
            if (inflightQos1 >= ctx.config().receiveMaximum()) {
                conn.reads.pause(ReadGate.PAUSE_INFLIGHT);
            }
        }
        ctx.outstanding().incrementAndGet();
        ctx.stats().inflightMessages.increment();
        final PendingAck pending = ack;
        (m == null ? ctx.ingest().submit(e) : ctx.broker().publish(e, m, ctx.ingest())).whenComplete((delivery, err) -> {
            Delivery d = err == null ? delivery : Delivery.retryable("ingest failed: " + err);
            ctx.budget().release(weight);
            ctx.stats().inflightMessages.decrement();
            ctx.outstanding().decrementAndGet();
            if (!d.delivered()) {
                ctx.stats().deliveryFailures.increment();
            }
            if (pending != null) {
                conn.onLoop(() -> onDelivered(pending, d));
            } else if (!d.delivered()) {
                ctx.stats().count("qos0_not_delivered");
                LOG.warn("QoS 0 message of '{}' not written to Kafka: {}", e.clientId(), d.reason());
            }
        });
    }

    /**
     * Sends PUBACKs in the order the PUBLISHes arrived, as far as outcomes are known. A reading Kafka did not take
     * but might take later (RETRYABLE) is never acknowledged, not even with an MQTT 5 error PUBACK, which the client
     * would treat as final [MQTT-4.4.0-2]: the PUBACKs before it go out, then the connection closes (MQTT 5:
     * DISCONNECT 0x89 server busy), so the client retransmits it and everything after it. A reading Kafka refused
     * for good (REJECTED) gets an MQTT 5 error PUBACK 0x80; MQTT 3.1.1 has none, so its connection closes.
     */
    private void onDelivered(PendingAck ack, Delivery d) {
        ack.delivery = d;
        inflightQos1--;
        boolean wrote = false;
        while (!acks.isEmpty() && acks.peek().delivery != null) {
            PendingAck head = acks.poll();
            if (conn.closed()) {
                continue;
            }
            if (head.notAuthorized) {
                writeNotAuthorized(head);
                wrote = true;
            } else if (head.delivery.delivered()) {
                channel.write(Replies.pubAck(head.packetId, (byte) 0, null));
                ctx.stats().pubacksSent.increment();
                ctx.stats().ackLatency(MqttHandler.epochNanos(ctx.clock()) - head.receivedAtNanos);
                wrote = true;
            } else if (head.delivery.outcome() == Outcome.REJECTED && conn.level() == 5) {
                ctx.stats().count("kafka_rejected_error_puback");
                LOG.warn("Kafka refused message {} of '{}' for good: error PUBACK 0x80: {}", head.packetId,
                        conn.clientId(), head.delivery.reason());
                channel.write(Replies.pubAck(head.packetId, MqttReasonCodes.PubAck.UNSPECIFIED_ERROR.byteValue(),
                        head.delivery.reason()));
                ctx.stats().pubackErrorsSent.increment();
                wrote = true;
            } else {
                conn.closeUnacknowledged(head.packetId, head.delivery); // flushes what was written before it
                wrote = false;
            }
        }
        if (wrote) {
            channel.flush();
        }
        if (inflightQos1 < ctx.config().receiveMaximum()) {
            conn.reads.resume(ReadGate.PAUSE_INFLIGHT);
        }
    }

    void onPubRel(int packetId) {
        if (!conn.connected()) {
            conn.violation("pubrel_before_connack", MqttReasonCodes.Disconnect.PROTOCOL_ERROR, "PUBREL before CONNECT");
            return;
        }
        if (qos2 == null) {
            qos2 = new Qos2Inbound(conn, this, channel, ctx, java.util.Set.of());
        }
        qos2.onPubRel(packetId);
    }

    /** A QoS 2 message went to Kafka: it counts as in flight, as an unacknowledged QoS 1 message does. */
    void inflightAdded() {
        inflightQos1++;
        if (inflightQos1 >= ctx.config().receiveMaximum()) {
            conn.reads.pause(ReadGate.PAUSE_INFLIGHT);
        }
    }

    /** Kafka answered for a QoS 2 message. */
    void inflightSettled() {
        inflightQos1--;
        if (inflightQos1 < ctx.config().receiveMaximum()) {
            conn.reads.resume(ReadGate.PAUSE_INFLIGHT);
        }
    }

    private static final class PendingAck {
        final int packetId;
        /** When the PUBLISH was read, in the clock's epoch nanoseconds. */
        final long receivedAtNanos;
        Delivery delivery;
        /** Refused by the ACL: answered with PUBACK 0x87 in its turn. */
        boolean notAuthorized;

        PendingAck(int packetId, long receivedAtNanos) {
            this.packetId = packetId;
            this.receivedAtNanos = receivedAtNanos;
        }
    }

    private record Parked(Envelope envelope, int weight, int packetId, io.sluice.delivery.Message message) {
    }
}
