package io.sluice.mqtt.internal.outbound;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one session has on its way out: copies waiting to be sent ({@code pending}, in log order) and copies sent and
 * not yet acknowledged ({@code inflight}, by packet id). It outlives connections: a persistent session's queue keeps
 * filling while its client is offline, and on disconnect its unacknowledged copies go back to the head of the queue
 * (keeping their packet ids) to be resent first, with DUP, on the next connection.
 *
 * <p>Bounds: pending and in-flight copies together at most {@code delivery.max_queued_messages_per_session}
 * (beyond it the new copy is dropped, counted {@code queue_full}); their bytes count against
 * {@code delivery.max_queued_bytes} across sessions ({@code queued_bytes_full}). A dropped copy is finished.
 *
 * <p>A persistent session's QoS 2 copies are also recorded in the sessions topic ({@link InflightRecord}): before
 * their first PUBLISH ({@link #take}), at PUBREC before PUBREL ({@link #received}) and at a graceful shutdown, so
 * that after a restart of the node they are resent with the packet ids the client knows ({@link Qos2Resume}). At most
 * {@code delivery.max_inflight_per_session} of them are in flight, whatever the client's Receive Maximum, which
 * bounds the record. Records are written under this object's lock, so they reach the store in the order made.
 *
 * <p>Threading: thread-safe, every method under this object's lock; the dispatcher offers on the log's thread, the
 * attached {@link Outbound} takes and acknowledges on its event loop; record writes complete on the store's thread.
 */
public final class SessionQueue {
    private final String clientId;
    private final Broker broker;
    // allocated on first use: most offline sessions never get a message
    private ArrayDeque<Copy> pending;
    private Map<Integer, Copy> inflight;
    private Outbound attached;
    private boolean persistent;
    private boolean ended;
    private int lastPacketId;
    private long dropped;
    /** The highest delivery position offered since start-up (-1: none), for {@link Qos2Resume#snapshot}. */
    private long highestOffered = -1;
    /** Persistent sessions' outbound QoS 2 state across restarts; allocated on first use. */
    private Qos2Resume resume;
    /** The QoS 2 state changed since the record was last written (a copy sent or finished). */
    private boolean recordStale;
    /** QoS 2 copies in {@code inflight}: a persistent session's record holds one entry each. */
    private int inflightQos2;
    /** Resumed from another node: copies matched here wait in {@code held} until its handover is done. */
    private boolean holding;
    private ArrayDeque<Copy> held;
    /** The handover-done marker came before the hold began (the records raced the CONNACK). */
    private boolean handoverDone;

    SessionQueue(String clientId, Broker broker, boolean persistent) {
        this.clientId = clientId;
        this.broker = broker;
        this.persistent = persistent;
    }

    String clientId() {
        return clientId;
    }

    /**
     * Queues {@code c} for this session, unless the session cannot take it: offline QoS 0 (not queued), ended, or a
     * bound reached. A refused copy is counted and finished here. Returns the outbound to wake, or null.
     */
    Outbound offer(Copy c) {
        String refusal;
        Outbound wake = null;
        synchronized (this) {
            highestOffered = Math.max(highestOffered, c.position); // Positions.NONE (-1) changes nothing
            if (ended) {
                refusal = "delivery_session_ended";
            } else if (resume != null && resume.offered(c) == Qos2Resume.Offer.FINISHED) {
                refusal = "delivery_qos2_finished_before_restart";
            } else if (attached == null && c.qos == 0) {
                refusal = "qos0_offline_dropped";
            } else if (size(pending) + size(inflight) + size(held)
                    >= broker.limits().maxQueuedMessagesPerSession()) {
                refusal = "queue_full";
                dropped++;
            } else if (!broker.reserveBytes(c.weight)) {
                refusal = "queued_bytes_full";
                dropped++;
            } else if (holding && !c.addressed) {
                c.reserved = true;
                held().add(c); // after what the old node hands over
                refusal = null;
            } else {
                c.reserved = true;
                pending().add(c);
                refusal = null;
                wake = attached;
            }
            if (refusal != null && resume != null) {
                resume.left(c); // a resumed copy refused: its recorded id is free
            }
        }
        if (refusal != null) {
            broker.dropped(clientId, c, refusal);
        }
        return wake;
    }

    /**
     * Up to {@code max} copies for {@code o} to write now, as far as its window of {@code window} unacknowledged
     * QoS 1/2 copies allows: resends first (they head the queue), then new ones in order. QoS 1/2 copies become
     * in-flight (a new one gets a packet id); QoS 0 ones are finished once handed out. Copies the connection may not
     * read (its ACL), that expired or are larger than the client accepts are dropped here, counted. A copy whose
     * PUBREC came (only PUBREL is left to send) is not checked again: the client holds it already.
     *
     * <p>QoS 2 copies of a persistent session sent for the first time come in a batch of their own, with the write
     * that records them ({@link Taken#record}): they may be written to the socket only once it is durable, so a
     * restart, even after a kill -9, resends them with their packet ids. Other batches have no write.
     */
    Taken take(Outbound o, int window, int max, long nowMillis) {
        List<Copy> out = new ArrayList<>();
        List<Copy> refused = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        java.util.concurrent.CompletionStage<Void> record = null;
        synchronized (this) {
            if (attached != o || ended) {
                return new Taken(out, null);
            }
            boolean batchNeedsRecord = false;
            while (out.size() < max && !pending().isEmpty()) {
                Copy c = pending().peek();
                if (c.qos > 0 && inflightMap().size() >= window) {
                    break;
                }
                boolean needsRecord = needsRecord(c);
                if (!out.isEmpty() && needsRecord != batchNeedsRecord) {
                    break; // the next batch
                }
                if (c.qos == 2 && persistent && inflightQos2 >= broker.limits().maxInflightPerSession()
                        && broker.records().enabled()) {
                    break; // its record's entries are bounded by delivery.max_inflight_per_session, MQTT 5 too
                }
                pending().poll();
                if (resume != null) {
                    resume.left(c);
                }
                if (!c.released && !o.mayRead(c.message.topic())) {
                    refused.add(c); // the ACL (or its reload) does not let this connection read the topic
                    reasons.add("delivery_not_authorized");
                    continue;
                }
                if (!c.released && c.message.expiredAt(nowMillis)) {
                    refused.add(c);
                    reasons.add("delivery_expired");
                    continue;
                }
                if (!c.released && PublishSize.of(c, o.level(), c.message.remainingExpirySeconds(nowMillis))
                        > o.maxPacketSize()) {
                    refused.add(c);
                    reasons.add("delivery_too_large_for_client");
                    continue;
                }
                if (c.qos > 0) {
                    if (c.packetId == 0) {
                        c.packetId = nextPacketId();
                        recordStale |= c.qos == 2 && persistent;
                    }
                    inflightMap().put(c.packetId, c);
                    inflightQos2 += c.qos == 2 ? 1 : 0;
                    broker.stats().deliveryInflight.incrementAndGet();
                } else {
                    refused.add(c); // QoS 0: finished as it is written, at most once
                    reasons.add(null);
                }
                c.dup = c.sent && c.qos > 0;
                c.sent = true;
                out.add(c);
                batchNeedsRecord = needsRecord;
            }
            if (batchNeedsRecord && !out.isEmpty()) {
                record = writeRecord(); // lists the batch as sent: it is about to be
            }
        }
        for (int i = 0; i < refused.size(); i++) {
            if (reasons.get(i) == null) {
                broker.completed(clientId, refused.get(i));
            } else {
                broker.dropped(clientId, refused.get(i), reasons.get(i));
            }
        }
        return new Taken(out, record);
    }

    /** Copies to write now; {@code record}: null, or the write they wait for (see {@link #take}). */
    record Taken(List<Copy> copies, java.util.concurrent.CompletionStage<Void> record) {
    }

    private boolean needsRecord(Copy c) {
        return c.qos == 2 && !c.recorded && !c.released && c.position != Positions.NONE && persistent
                && broker.records().enabled();
    }

    /**
     * The write that recorded {@code copies} (a batch {@link #take} gave {@code o}) completed. When it failed and
     * {@code o} still holds them, they were not sent: they count as never sent (DUP=0 when they go out) and are
     * recorded again before that. Once {@code o} is gone they may have been sent by a newer connection: left as
     * they are (sent, so listed by the next record, and DUP=1 if they go out again).
     */
    synchronized void batchRecorded(Outbound o, List<Copy> copies, boolean ok) {
        for (Copy c : copies) {
            if (ok) {
                c.recorded = true;
            } else if (attached == o) {
                c.sent = false;
                recordStale = true;
            }
        }
    }

    /** PUBACK (QoS 1) or PUBCOMP (QoS 2) from {@code o}'s client: the copy is finished. False when unknown. */
    boolean acknowledged(Outbound o, int packetId, int expectedQos) {
        Copy c;
        synchronized (this) {
            if (attached != o) {
                return false;
            }
            c = inflightMap().get(packetId);
            if (c == null || c.qos != expectedQos || (expectedQos == 2 && !c.released)) {
                return false;
            }
            inflightMap().remove(packetId);
            inflightQos2 -= expectedQos == 2 ? 1 : 0;
            broker.stats().deliveryInflight.decrementAndGet();
            recordStale |= expectedQos == 2 && persistent; // its entry leaves the record with the next write
        }
        broker.completed(clientId, c);
        return true;
    }

    /** What a PUBREC leads to. */
    enum Received {
        /** Not a QoS 2 copy in flight on this connection. */
        UNKNOWN,
        /** PUBREL is to be sent now. */
        RELEASE,
        /** PUBREL follows once the sessions topic holds the PUBREC (then sent through the attached outbound). */
        RECORDING
    }

    /**
     * PUBREC from {@code o}'s client. For a persistent session the copy's new state (released, position, packet
     * id) is written to the sessions topic first ({@link InflightRecord}); PUBREL goes out once that is durable, so
     * a restart resends PUBREL, never the message. A failed write leaves the copy unreleased and closes the
     * connection: the client resends PUBREC when its resent PUBLISH (DUP) arrives on the next connection.
     */
    Received received(Outbound o, int packetId) {
        Copy c;
        java.util.concurrent.CompletionStage<Void> write;
        synchronized (this) {
            c = attached == o ? inflightMap().get(packetId) : null;
            if (c == null || c.qos != 2) {
                return Received.UNKNOWN;
            }
            if (c.released) {
                return Received.RELEASE; // a repeated PUBREC: PUBREL again
            }
            if (c.releasing) {
                return Received.RECORDING;
            }
            if (!persistent || c.position == Positions.NONE || !broker.records().enabled()) {
                c.released = true; // nothing a restart would resend: a retained copy, or a session ending with this
                return Received.RELEASE;
            }
            c.releasing = true;
            write = writeRecord();
        }
        write.whenComplete((v, err) -> recorded(c, err == null));
        return Received.RECORDING;
    }

    private void recorded(Copy c, boolean ok) {
        Outbound holder;
        synchronized (this) {
            c.releasing = false;
            holder = attached != null && inflight != null && inflight.get(c.packetId) == c ? attached : null;
            if (ok) {
                c.released = true;
            } else {
                recordStale = true;
            }
        }
        if (holder != null) {
            if (ok) {
                holder.sendPubRel(c.packetId);
            } else {
                holder.closeUnrecorded(c.packetId);
            }
        }
        // not in flight here any more: a reconnect resends it (PUBREL once released), or the session ended
    }

    /** Writes this session's outbound QoS 2 state (under the lock, so writes reach the store in order). */
    private java.util.concurrent.CompletionStage<Void> writeRecord() {
        if (resume == null) {
            resume = new Qos2Resume(null);
        }
        InflightRecord r = resume.snapshot(broker.nodeId(), inflight == null ? List.of() : inflight.values(),
                pending == null ? List.of() : pending, highestOffered);
        recordStale = false;
        return broker.records().write(clientId, r);
    }

    /**
     * Packet ids recorded by a previous run whose messages passed without coming to this session: {@code o} writes
     * a PUBREL for each before anything else, so a client still holding one lets it go before the id is reused.
     */
    synchronized List<Integer> lapsedReleases(Outbound o) {
        return attached != o || resume == null ? List.of() : resume.takeLapsed();
    }

    /** The record a restart of the node reads: what a previous run of it left for this session. */
    synchronized void restoreInflight(InflightRecord r) {
        resume = new Qos2Resume(r);
    }

    /**
     * A graceful shutdown: writes the state of a persistent session whose QoS 2 copies changed since its record was
     * last written (copies sent and not PUBREC'd, finished ones), so a restart resends them with their packet ids.
     * Completes once durable; null when there is nothing to write.
     */
    synchronized java.util.concurrent.CompletionStage<Void> recordAtShutdown() {
        if (!recordStale || ended || !persistent || !broker.records().enabled()) {
            return null;
        }
        return writeRecord();
    }

    /** PUBREC with an error reason code: the QoS 2 flow ends there [MQTT-4.3.3], the copy is finished. */
    boolean refusedByClient(Outbound o, int packetId) {
        Copy c;
        synchronized (this) {
            c = attached == o ? inflightMap().remove(packetId) : null;
            if (c != null) {
                broker.stats().deliveryInflight.decrementAndGet();
                inflightQos2 -= c.qos == 2 ? 1 : 0;
                recordStale |= c.qos == 2 && persistent;
            }
        }
        if (c != null) {
            broker.ended(clientId, c, "refused_by_client");
        }
        return c != null;
    }

    /**
     * {@code o} is now this session's connection. The copies a previous connection left unacknowledged go back to
     * the head of the queue, to be resent first.
     */
    synchronized void attach(Outbound o, boolean persistentSession) {
        requeueInflight();
        attached = o;
        persistent = persistentSession;
    }

    /**
     * {@code o}'s connection closed. A persistent session keeps its queue (unacknowledged copies back at its head,
     * QoS 0 ones dropped, counted); otherwise the session ends with it (see {@link Broker#end}).
     */
    void detach(Outbound o, boolean persistentSession) {
        List<Copy> qos0 = new ArrayList<>();
        synchronized (this) {
            if (attached != o) {
                return; // taken over: the newer connection owns the queue
            }
            attached = null;
            persistent = persistentSession;
            requeueInflight();
            for (Iterator<Copy> it = pending().iterator(); it.hasNext(); ) {
                Copy c = it.next();
                if (c.qos == 0) {
                    it.remove();
                    qos0.add(c);
                }
            }
        }
        for (Copy c : qos0) {
            broker.dropped(clientId, c, "qos0_offline_dropped");
        }
    }

    private void requeueInflight() {
        if (size(inflight) == 0) {
            return;
        }
        List<Copy> back = new ArrayList<>(inflightMap().values());
        broker.stats().deliveryInflight.addAndGet(-back.size());
        inflightMap().clear();
        inflightQos2 = 0;
        for (int i = back.size() - 1; i >= 0; i--) {
            pending().addFirst(back.get(i));
        }
    }

    /** The session ended (clean start, expiry, a non-persistent session's close): every copy is finished. */
    void end() {
        for (Copy c : handOff()) {
            broker.ended(clientId, c, "delivery_session_ended");
        }
    }

    /**
     * The session ends here (it moved to another node, or ended): returns every copy it held, the unacknowledged
     * ones first in the order sent, then the queue in order, then those held for a handover. None is finished: the
     * caller finishes them (once handed over, or at once).
     */
    synchronized List<Copy> handOff() {
        ended = true;
        attached = null;
        if (resume != null) {
            resume.clear();
        }
        List<Copy> all = new ArrayList<>(inflightMap().values());
        all.addAll(pending());
        if (held != null) {
            all.addAll(held);
            held = null;
        }
        holding = false;
        broker.stats().deliveryInflight.addAndGet(-inflightMap().size());
        inflightMap().clear();
        inflightQos2 = 0;
        pending().clear();
        return all;
    }

    /**
     * The session resumed here from another node: copies matched here from now on are held until that node's
     * handover is done ({@link #handoverDone}) or {@link #releaseHeld} (its timeout). Does nothing when the marker
     * came already. True when it holds.
     */
    synchronized boolean hold() {
        if (handoverDone) {
            handoverDone = false;
            return false;
        }
        holding = !ended;
        return holding;
    }

    /** The old node's handover-done marker for this session: held copies go out after what it handed over. */
    Outbound handoverDone() {
        synchronized (this) {
            if (!holding) {
                handoverDone = true; // before the hold began: it need not begin
                return null;
            }
        }
        return releaseHeld(false);
    }

    /**
     * Ends the hold: the held copies join the queue in order, after the handed-over ones. {@code timedOut}: the
     * marker did not come in time (counted {@code handover_timeout}). Returns the outbound to wake, or null.
     */
    Outbound releaseHeld(boolean timedOut) {
        synchronized (this) {
            if (!holding) {
                return null;
            }
            holding = false;
            if (held != null) {
                pending().addAll(held);
                held = null;
            }
        }
        if (timedOut) {
            broker.stats().count("handover_timeout");
        }
        synchronized (this) {
            return attached;
        }
    }

    synchronized boolean holding() {
        return holding;
    }

    /** Copies held until the handover is done. */
    synchronized int heldCount() {
        return size(held);
    }

    private ArrayDeque<Copy> held() {
        if (held == null) {
            held = new ArrayDeque<>(4);
        }
        return held;
    }

    private int nextPacketId() {
        for (int i = 0; i < 65_535; i++) {
            lastPacketId = lastPacketId % 65_535 + 1;
            if (!inflightMap().containsKey(lastPacketId) && !heldByPending(lastPacketId)
                    && (resume == null || !resume.holds(lastPacketId))) {
                return lastPacketId;
            }
        }
        throw new IllegalStateException("no free packet id"); // unreachable: the window is at most 65,535
    }

    private boolean heldByPending(int packetId) {
        // only resends hold ids in pending, and they head it: stop at the first copy without one
        for (Copy c : pending()) {
            if (c.packetId == 0) {
                return false;
            }
            if (c.packetId == packetId) {
                return true;
            }
        }
        return false;
    }

    private ArrayDeque<Copy> pending() {
        if (pending == null) {
            pending = new ArrayDeque<>(4);
        }
        return pending;
    }

    private Map<Integer, Copy> inflightMap() {
        if (inflight == null) {
            inflight = new LinkedHashMap<>(4);
        }
        return inflight;
    }

    private static int size(java.util.Collection<?> c) {
        return c == null ? 0 : c.size();
    }

    private static int size(Map<?, ?> m) {
        return m == null ? 0 : m.size();
    }

    synchronized boolean connected() {
        return attached != null;
    }

    synchronized boolean persistent() {
        return persistent;
    }

    /** Copies waiting to be sent. */
    synchronized int queued() {
        return size(pending) + size(held);
    }

    /** Copies sent and not yet acknowledged. */
    synchronized int inflight() {
        return size(inflight);
    }

    /** Copies this session refused because a bound was reached (queue_full, queued_bytes_full). */
    synchronized long droppedCount() {
        return dropped;
    }
}
