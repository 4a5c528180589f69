package io.sluice.mqtt.internal.outbound;

import io.sluice.delivery.Message;

/**
 * One message on its way to one session: what is sent (QoS downgraded to the granted one, the RETAIN flag to send,
 * the subscription identifiers) and where it stands (packet id once sent, PUBREC received).
 *
 * <p>Threading: its mutable fields are guarded by the lock of the {@link SessionQueue} holding it.
 */
final class Copy {
    /** Heap of a copy beyond its message's payload and topic: the objects, the queue slot, the message's fields. */
    static final int OVERHEAD_BYTES = 160;

    final Message message;
    final long position;
    final int qos;
    final boolean retain;
    final int[] subscriptionIds;
    final int weight;
    /** 0 until it is first sent with QoS 1 or 2; kept across reconnects so a resend reuses it. */
    int packetId;
    /** QoS 2: PUBREC received (and, for a persistent session, recorded), so PUBREL is what is sent again. */
    boolean released;
    /** QoS 2, persistent session: PUBREC received and being recorded in the sessions topic; PUBREL waits for it. */
    boolean releasing;
    /** QoS 2, persistent session: the sessions topic lists it as sent, so a restart resends it with its id. */
    boolean recorded;
    /** Its weight is counted against delivery.max_queued_bytes (released when it is finished). */
    boolean reserved;
    /** Written at least once (on this or an earlier connection). */
    boolean sent;
    /** Handed over by the node the session moved from: goes ahead of copies held for the handover. */
    boolean addressed;
    /** Set as it is taken for writing: true when that write is a resend (DUP=1). */
    boolean dup;

    Copy(Message message, long position, int qos, boolean retain, int[] subscriptionIds) {
        this.message = message;
        this.position = position;
        this.qos = qos;
        this.retain = retain;
        this.subscriptionIds = subscriptionIds;
        this.weight = message.payload().length + 2 * message.topic().length() + OVERHEAD_BYTES;
    }

}
