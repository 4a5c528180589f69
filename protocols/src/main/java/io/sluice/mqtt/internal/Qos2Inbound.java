package io.sluice.mqtt.internal;

import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.sluice.ingest.Delivery;
import io.sluice.ingest.Envelope;
import io.sluice.ingest.Outcome;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbound QoS 2 flow of one connection: exactly once into the log.
 *
 * <p>A QoS 2 PUBLISH is written once; PUBREC goes out only after Kafka holds it (in arrival order), and its packet id
 * is remembered until the client's PUBREL, so a retransmission meanwhile is answered PUBREC and not written again.
 * For a persistent session the id is remembered durably, in the same Kafka transaction as the reading
 * ({@link SessionRegistry#writeExactlyOnce}), so this holds across a reconnect and a crash of the node; PUBCOMP goes
 * out once the PUBREL's deletion of that record is durable. A session without expiry remembers ids in memory only,
 * which is all it needs: it ends with its connection.
 *
 * <p>Failures, as for QoS 1: a reading Kafka might still take (RETRYABLE) gets no PUBREC and the connection closes
 * so the client retransmits; one refused for good (REJECTED) gets MQTT 5's PUBREC 0x80 (the message is not
 * accepted and the flow ends there), and an MQTT 3.1.1 connection, which has no error PUBREC, closes.
 *
 * <p>Bound: every id held here counts against the Receive Maximum until its PUBCOMP (checked by {@link InboundPublishes}).
 * Allocated on a connection's first QoS 2 PUBLISH (or when its resumed session has ids awaiting PUBREL).
 *
 * <p>Threading: the channel's event loop only; write completions are re-dispatched to it.
 */
final class Qos2Inbound {
    private static final Logger LOG = LoggerFactory.getLogger(Qos2Inbound.class);

    private enum State { WRITING, RECEIVED, RELEASING }

    private final Connection conn;
    /** The connection's inbound side, which counts QoS 2 writes in flight with QoS 1's. */
    private final InboundPublishes inbound;
    private final Channel channel;
    private final Context ctx;
    private final Map<Integer, State> ids = new HashMap<>(4);
    /** Writes in arrival order, so PUBRECs go out in that order [MQTT-4.6.0-3]. */
    private final ArrayDeque<Pending> writes = new ArrayDeque<>(4);

    private static final class Pending {
        final int packetId;
        final long receivedAtNanos;
        Delivery delivery;

        Pending(int packetId, long receivedAtNanos) {
            this.packetId = packetId;
            this.receivedAtNanos = receivedAtNanos;
        }
    }

    /** With {@code remembered}: the ids a resumed session received (PUBREC sent) and that await their PUBREL. */
    Qos2Inbound(Connection conn, InboundPublishes inbound, Channel channel, Context ctx, Set<Integer> remembered) {
        this.conn = conn;
        this.inbound = inbound;
        this.channel = channel;
        this.ctx = ctx;
        remembered.forEach(id -> ids.put(id, State.RECEIVED));
    }

    /** Ids held and not yet completed (PUBCOMP), being written or awaiting PUBREL. */
    int held() {
        return ids.size();
    }

    /** Ids held that Kafka already answered: these wait for the client (its PUBREL), not for Kafka. */
    int awaitingClient() {
        return ids.size() - writes.size();
    }

    /**
     * A QoS 2 PUBLISH whose packet id is held: a retransmission, answered PUBREC when it was received and not
     * written again [MQTT-4.3.3-9]; while its first copy is still being written, its PUBREC follows that write.
     * Returns false for an id not held (a new message).
     */
    boolean answeredAsDuplicate(int packetId) {
        State s = ids.get(packetId);
        if (s == null) {
            return false;
        }
        ctx.stats().count("qos2_duplicate");
        if (s == State.RECEIVED) {
            channel.writeAndFlush(Replies.pubRec(packetId, (byte) 0, null));
        }
        return true;
    }

    /**
     * Writes a new QoS 2 message whose {@code weight} the budget already granted; PUBREC follows in order. With
     * delivery on ({@code m} not null) the delivery and retained stages join the readings write, as for QoS 1.
     */
    void submit(Envelope e, int weight, int packetId, io.sluice.delivery.Message m) {
        Pending pending = new Pending(packetId, e.receivedAtNanos());
        ids.put(packetId, State.WRITING);
        writes.add(pending);
        inbound.inflightAdded();
        ctx.outstanding().incrementAndGet();
        ctx.stats().inflightMessages.increment();
        java.util.function.Supplier<CompletionStage<Delivery>> write = () -> conn.persistent()
                ? ctx.sessions().writeExactlyOnce(ctx.ingest().exactlyOnce(), e, packetId)
                : ctx.ingest().submit(e);
        CompletionStage<Delivery> written = m == null ? write.get() : ctx.broker().publish(write, m);
        written.whenComplete((delivery, err) -> {
            Delivery d = err == null ? delivery : Delivery.retryable("ingest failed: " + err);
            ctx.budget().release(weight);
            ctx.stats().inflightMessages.decrement();
            ctx.outstanding().decrementAndGet();
            if (!d.delivered()) {
                ctx.stats().deliveryFailures.increment();
            }
            conn.onLoop(() -> onWritten(pending, d));
        });
    }

    /** Sends PUBRECs in arrival order, as far as outcomes are known; see the class comment for failures. */
    private void onWritten(Pending pending, Delivery d) {
        pending.delivery = d;
        inbound.inflightSettled();
        boolean wrote = false;
        while (!writes.isEmpty() && writes.peek().delivery != null) {
            Pending head = writes.poll();
            if (conn.closed()) {
                ids.remove(head.packetId);
                continue;
            }
            if (head.delivery.delivered()) {
                ids.put(head.packetId, State.RECEIVED);
                channel.write(Replies.pubRec(head.packetId, (byte) 0, null));
                ctx.stats().count("qos2_pubrec_sent");
                ctx.stats().ackLatency(MqttHandler.epochNanos(ctx.clock()) - head.receivedAtNanos);
                wrote = true;
            } else if (head.delivery.outcome() == Outcome.REJECTED && conn.level() == 5) {
                ids.remove(head.packetId);
                ctx.stats().count("kafka_rejected_error_pubrec");
                LOG.warn("Kafka refused QoS 2 message {} of '{}' for good: error PUBREC 0x80: {}", head.packetId,
                        conn.clientId(), head.delivery.reason());
                channel.write(Replies.pubRec(head.packetId, MqttReasonCodes.PubRec.UNSPECIFIED_ERROR.byteValue(),
                        head.delivery.reason()));
                ctx.stats().pubackErrorsSent.increment();
                wrote = true;
            } else {
                ids.remove(head.packetId);
                conn.closeUnacknowledged(head.packetId, head.delivery); // flushes what was written before it
                wrote = false;
            }
        }
        if (wrote) {
            channel.flush();
        }
    }

    /**
     * PUBREL: the id is released (durably first, for a persistent session), then PUBCOMP. An id not held gets MQTT 5's
     * PUBCOMP 0x92 (packet identifier not found); MQTT 3.1.1 has no such code and gets a plain PUBCOMP, as it says.
     */
    void onPubRel(int packetId) {
        State s = ids.get(packetId);
        if (s == null) {
            ctx.stats().count("pubrel_packet_id_not_found");
            byte code = conn.level() == 5 ? MqttReasonCodes.PubComp.PACKET_IDENTIFIER_NOT_FOUND.byteValue() : 0;
            channel.writeAndFlush(Replies.pubComp(packetId, code));
            return;
        }
        if (s == State.WRITING) {
            conn.violation("pubrel_before_pubrec", MqttReasonCodes.Disconnect.PROTOCOL_ERROR,
                    "PUBREL " + packetId + " before its PUBREC");
            return;
        }
        if (s == State.RELEASING) {
            return; // its PUBCOMP follows the release under way
        }
        ids.put(packetId, State.RELEASING);
        ctx.sessions().release(conn.clientId(), packetId).whenComplete((v, err) -> conn.onLoop(() -> {
            if (conn.closed()) {
                return;
            }
            if (err != null) {
                // still remembered durably: after a reconnect the client sends PUBREL again and gets its PUBCOMP then
                conn.violation("session_store_failed", MqttReasonCodes.Disconnect.UNSPECIFIED_ERROR,
                        "the release of QoS 2 packet id " + packetId + " was not stored: " + err);
                return;
            }
            ids.remove(packetId);
            channel.writeAndFlush(Replies.pubComp(packetId, (byte) 0));
        }));
    }
}
