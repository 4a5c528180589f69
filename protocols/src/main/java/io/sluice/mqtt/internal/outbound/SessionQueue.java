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
 * <p>Threading: thread-safe, every method under this object's lock; the dispatcher offers on the log's thread, the
 * attached {@link Outbound} takes and acknowledges on its event loop.
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
            if (ended) {
                refusal = "delivery_session_ended";
            } else if (attached == null && c.qos == 0) {
                refusal = "qos0_offline_dropped";
            } else if (size(pending) + size(inflight) >= broker.limits().maxQueuedMessagesPerSession()) {
                refusal = "queue_full";
                dropped++;
            } else if (!broker.reserveBytes(c.weight)) {
                refusal = "queued_bytes_full";
                dropped++;
            } else {
                c.reserved = true;
                pending().add(c);
                refusal = null;
                wake = attached;
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
     */
    List<Copy> take(Outbound o, int window, int max, long nowMillis) {
        List<Copy> out = new ArrayList<>();
        List<Copy> refused = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        synchronized (this) {
            if (attached != o || ended) {
                return out;
            }
            while (out.size() < max && !pending().isEmpty()) {
                Copy c = pending().peek();
                if (c.qos > 0 && inflightMap().size() >= window) {
                    break;
                }
                pending().poll();
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
                    }
                    inflightMap().put(c.packetId, c);
                    broker.stats().deliveryInflight.incrementAndGet();
                } else {
                    refused.add(c); // QoS 0: finished as it is written, at most once
                    reasons.add(null);
                }
                c.dup = c.sent && c.qos > 0;
                c.sent = true;
                out.add(c);
            }
        }
        for (int i = 0; i < refused.size(); i++) {
            if (reasons.get(i) == null) {
                broker.completed(refused.get(i));
            } else {
                broker.dropped(clientId, refused.get(i), reasons.get(i));
            }
        }
        return out;
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
            broker.stats().deliveryInflight.decrementAndGet();
        }
        broker.completed(c);
        return true;
    }

    /** PUBREC from {@code o}'s client: true when the copy now waits for PUBCOMP (PUBREL is to be sent). */
    synchronized boolean received(Outbound o, int packetId) {
        Copy c = attached == o ? inflightMap().get(packetId) : null;
        if (c == null || c.qos != 2) {
            return false;
        }
        c.released = true;
        return true;
    }

    /** PUBREC with an error reason code: the QoS 2 flow ends there [MQTT-4.3.3], the copy is finished. */
    boolean refusedByClient(Outbound o, int packetId) {
        Copy c;
        synchronized (this) {
            c = attached == o ? inflightMap().remove(packetId) : null;
            if (c != null) {
                broker.stats().deliveryInflight.decrementAndGet();
            }
        }
        if (c != null) {
            broker.finished(c);
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
        for (int i = back.size() - 1; i >= 0; i--) {
            pending().addFirst(back.get(i));
        }
    }

    /** The session ended (clean start, expiry, a non-persistent session's close): every copy is finished. */
    void end() {
        List<Copy> all;
        synchronized (this) {
            ended = true;
            attached = null;
            all = new ArrayList<>(inflightMap().values());
            all.addAll(pending());
            broker.stats().deliveryInflight.addAndGet(-inflightMap().size());
            inflightMap().clear();
            pending().clear();
        }
        for (Copy c : all) {
            broker.finished(c);
        }
    }

    private int nextPacketId() {
        for (int i = 0; i < 65_535; i++) {
            lastPacketId = lastPacketId % 65_535 + 1;
            if (!inflightMap().containsKey(lastPacketId) && !heldByPending(lastPacketId)) {
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
        return size(pending);
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
