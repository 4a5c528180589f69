package io.sluice.mqtt.internal.outbound;

import io.sluice.delivery.HandedMessage;
import io.sluice.delivery.Message;
import io.sluice.delivery.ScanResult;
import io.sluice.delivery.ScannedMessage;
import io.sluice.ingest.Delivery;
import io.sluice.ingest.Outcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recovery from a node that is gone (docs/DELIVERY.md, "Node death"): a session resumed here from another node whose
 * handover-done marker did not come within {@code delivery.handover_timeout_ms} keeps holding what it matched here,
 * and this node reads the old node's delivery partition itself, from that node's committed position
 * ({@link io.sluice.delivery.DeliveryLog#scan}). What the old node would have delivered to the session (records
 * addressed to it, and records its subscriptions match as this node's index has them) is handed over to this node's
 * own partition, addressed to the session, as the old node would have done ({@link io.sluice.delivery.DeliveryLog
 * #handOver}, then the marker), and read back through the usual path: durable here before it is sent, queued ahead
 * of the held copies, which go out at the marker.
 *
 * <p>Bounds: at most one scan per old node at a time; every session waiting on that node when a scan starts is served
 * by it, and sessions whose timeout fires during a scan are served together by the next one. Per session at most
 * {@code delivery.max_queued_messages_per_session} messages are taken (beyond it counted {@code queue_full}), and
 * per scan at most {@code delivery.max_queued_bytes} of them, weighed as queued copies are (beyond it counted
 * {@code queued_bytes_full}): what a scan took is held in memory until it is written.
 * Counted: {@code recovery_scans} per scan, {@code recovery_sessions} per session served, {@code recovered} per
 * message handed over, {@code recovery_failed} per session whose recovery failed (its held copies then go out
 * without what the old node held).
 *
 * <p>Threading: thread-safe. Sessions begin on event loops ({@link #begin}), markers cancel on the delivery
 * reader's thread ({@link #cancel}), scanned messages arrive on the log's scan thread, where a scan also ends.
 */
final class Recovery {
    private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

    private final Broker broker;
    /** Sessions resumed here from another node, and that node, until its handover is done or they are recovered. */
    private final Map<String, String> cameFrom = new ConcurrentHashMap<>();
    /** Sessions whose recovery began and is not over (its marker read back, or its held copies released). */
    private final java.util.Set<String> begun = ConcurrentHashMap.newKeySet();
    /**
     * Per old node: whether it stopped gracefully, asked once for every session resumed from it within
     * {@link #STOPPED_ANSWER_MS} (a reconnect storm from one node asks the log about once a second, not once per
     * session). One entry per node sessions came from; beyond {@link #MAX_STOPPED_ANSWERS} the stale ones go.
     */
    private final Map<String, StoppedAnswer> stoppedAnswers = new ConcurrentHashMap<>();
    /** Per old node: the sessions waiting for its next scan, and those its running scan serves. Guarded by this. */
    private final Map<String, NodeScans> byNode = new HashMap<>();

    private static final class NodeScans {
        final LinkedHashSet<String> waiting = new LinkedHashSet<>();
        /** Non-null while a scan runs: what it collected per session it serves. */
        Batch running;
    }

    /** The sessions one scan serves and what it took for each; {@code bytes} only on the scan's thread. */
    private static final class Batch {
        final Map<String, List<HandedMessage>> sessions = new ConcurrentHashMap<>();
        long bytes;
    }

    /** How long one answer to "did that node stop gracefully?" serves the sessions resumed from it. */
    static final long STOPPED_ANSWER_MS = 1_000;
    /** Answers kept before the stale ones (older than {@link #STOPPED_ANSWER_MS}) are dropped. */
    static final int MAX_STOPPED_ANSWERS = 1_024;

    private record StoppedAnswer(CompletionStage<Boolean> answer, long askedAtMillis) {
    }

    Recovery(Broker broker) {
        this.broker = broker;
    }

    /** {@code clientId}'s session resumed here from {@code node}, and holds until its handover is done. */
    void cameFrom(String clientId, String node) {
        cameFrom.put(clientId, node);
    }

    /** The node {@code clientId}'s session resumed here from, while its handover is awaited; null otherwise. */
    String cameFrom(String clientId) {
        return cameFrom.get(clientId);
    }

    /**
     * A handover-done marker for {@code clientId} was read (from its old node, or the one this recovery wrote), or
     * its session ended here: nothing more is recovered for it. Any thread.
     */
    void cancel(String clientId) {
        begun.remove(clientId);
        String node = cameFrom.remove(clientId);
        if (node == null) {
            return;
        }
        synchronized (this) {
            NodeScans ns = byNode.get(node);
            if (ns != null) {
                ns.waiting.remove(clientId);
                if (ns.running != null) {
                    ns.running.sessions.remove(clientId);
                }
            }
        }
    }

    /**
     * Asks the log whether {@code node}, which {@code clientId}'s session resumed from, stopped gracefully; when it
     * did, the session is recovered at once ({@link #begin}), counted {@code recovery_node_stopped}, instead of after
     * {@code delivery.handover_timeout_ms}: a stopped node hands nothing over.
     */
    void checkStopped(String clientId, String node) {
        long now = broker.clock().millis();
        if (stoppedAnswers.size() >= MAX_STOPPED_ANSWERS) { // node names come from other nodes' records: bounded
            stoppedAnswers.values().removeIf(a -> now - a.askedAtMillis() >= STOPPED_ANSWER_MS);
        }
        CompletionStage<Boolean> stopped = stoppedAnswers.compute(node, (n, asked) ->
                asked != null && now - asked.askedAtMillis() < STOPPED_ANSWER_MS ? asked
                        : new StoppedAnswer(askStopped(n), now)).answer();
        stopped.whenComplete((yes, err) -> {
            if (err == null && Boolean.TRUE.equals(yes) && node.equals(cameFrom.get(clientId))
                    && !begun.contains(clientId)) {
                broker.stats().count("recovery_node_stopped");
                LOG.info("Session '{}' resumed here from node '{}', which stopped gracefully: recovering it from that"
                        + " node's partition at once", clientId, node);
                begin(clientId);
            }
        });
    }

    /** Nodes with an answer held (for tests of its bound). */
    int stoppedAnswersHeld() {
        return stoppedAnswers.size();
    }

    private CompletionStage<Boolean> askStopped(String node) {
        try {
            return broker.log().stoppedGracefully(node);
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e); // not known: the timeout decides
        }
    }

    /**
     * {@code clientId}'s hold timed out without its old node's marker (or that node stopped gracefully): it joins the
     * next scan of that node (starting it when none runs). True, doing nothing more, when its recovery began
     * already. False when it did not resume from another node: the caller releases the held copies.
     */
    boolean begin(String clientId) {
        String node = cameFrom.get(clientId);
        if (node == null) {
            return false;
        }
        if (!begun.add(clientId)) {
            return true; // under way: its held copies go out after what it recovers
        }
        Batch batch;
        synchronized (this) {
            NodeScans ns = byNode.computeIfAbsent(node, n -> new NodeScans());
            ns.waiting.add(clientId);
            if (ns.running != null) {
                return true; // served by the next scan, when this one ends
            }
            batch = startBatch(ns);
        }
        scan(node, batch);
        return true;
    }

    private static Batch startBatch(NodeScans ns) {
        Batch batch = new Batch();
        for (String id : ns.waiting) {
            batch.sessions.put(id, new ArrayList<>());
        }
        ns.waiting.clear();
        ns.running = batch;
        return batch;
    }

    private void scan(String node, Batch batch) {
        broker.stats().count("recovery_scans");
        LOG.info("Recovering {} session(s) resumed here from node '{}' (it stopped, or did not hand them over within"
                + " delivery.handover_timeout_ms, {} ms): reading its delivery partition from its committed position",
                batch.sessions.size(), node, broker.limits().handoverTimeoutMs());
        CompletionStage<ScanResult> s;
        try {
            s = broker.log().scan(node, -1, m -> take(batch, m));
        } catch (RuntimeException e) {
            s = java.util.concurrent.CompletableFuture.completedFuture(ScanResult.failed(Delivery.rejected(
                    e.toString())));
        }
        s.whenComplete((r, err) -> scanned(node, batch, failure(r, err), r == null ? -1 : r.end()));
    }

    /** Why a scan did not reach its end; null when it did. */
    private static String failure(ScanResult r, Throwable err) {
        if (err != null) {
            return err.toString();
        }
        if (r == null) {
            return "no outcome";
        }
        return r.complete() ? null : r.outcome().outcome() == Outcome.DELIVERED ? "no end" : r.outcome().reason();
    }

    /** One message of the old node's partition: taken for each waiting session it was for (the scan's thread). */
    private void take(Batch batch, ScannedMessage sm) {
        Message m = sm.message();
        if (m.expiredAt(broker.clock().millis())) {
            return;
        }
        if (sm.forClient() != null) {
            List<HandedMessage> list = batch.sessions.get(sm.forClient());
            if (list != null && m.qos() > 0) {
                add(batch, sm.forClient(), list, m);
            }
            return;
        }
        for (Target t : broker.index().matchAmong(m.topic(), m.publisherClientId(), m.sharedGroups(),
                batch.sessions::containsKey)) {
            int qos = Math.min(m.qos(), t.qos());
            List<HandedMessage> list = batch.sessions.get(t.clientId());
            if (qos > 0 && list != null) { // QoS 0 is at most once: not recovered
                add(batch, t.clientId(), list, Handover.asSent(m, qos, t.retainAsPublished() && m.retain()));
            }
        }
    }

    private void add(Batch batch, String clientId, List<HandedMessage> list, Message m) {
        long weight = m.payload().length + 2L * m.topic().length() + Copy.OVERHEAD_BYTES;
        if (batch.bytes + weight > broker.limits().maxQueuedBytes()) {
            broker.stats().count("queued_bytes_full"); // what one scan holds until written: at most this much
            LOG.debug("Message to '{}' recovered for '{}' beyond delivery.max_queued_bytes [queued_bytes_full]",
                    m.topic(), clientId);
            return;
        }
        if (list.size() >= broker.limits().maxQueuedMessagesPerSession()) {
            broker.stats().count("queue_full"); // the same bound as the session's queue here
            LOG.debug("Message to '{}' recovered for '{}' beyond delivery.max_queued_messages_per_session [queue_full]",
                    m.topic(), clientId);
            return;
        }
        batch.bytes += weight;
        list.add(new HandedMessage(m, true)); // the old node may have sent it: DUP=1
    }

    /**
     * The scan of {@code node} ended ({@code failure} null: read to the end, {@code end}); the next one starts if
     * sessions wait, and the sessions it recovered get a late scan ({@link #lateScan}).
     */
    private void scanned(String node, Batch batch, String failure, long end) {
        Batch next;
        synchronized (this) {
            NodeScans ns = byNode.get(node);
            next = ns.waiting.isEmpty() ? null : startBatch(ns);
            if (next == null) {
                byNode.remove(node);
            }
        }
        if (failure != null) {
            LOG.warn("Recovery from node '{}' failed ({}): {} session(s) resumed here get their messages without"
                    + " what that node held for them [recovery_failed]", node, failure, batch.sessions.size());
        }
        java.util.Set<String> recovered = new java.util.HashSet<>();
        for (Map.Entry<String, List<HandedMessage>> e : batch.sessions.entrySet()) {
            if (finish(node, e.getKey(), e.getValue(), failure)) {
                recovered.add(e.getKey());
            }
        }
        if (next != null) {
            scan(node, next);
        }
        long window = broker.limits().handoverTimeoutMs();
        if (!recovered.isEmpty() && end >= 0 && window > 0) {
            broker.later(window, () -> lateScan(node, end, recovered));
        }
    }

    /** True when {@code clientId} was recovered (the scan read to the end and the session is still held here). */
    private boolean finish(String node, String clientId, List<HandedMessage> found, String failure) {
        SessionQueue q = broker.queue(clientId);
        if (q == null || !q.holding()) {
            over(clientId);
            return false; // ended or moved on, or the old node's marker came after all
        }
        if (failure != null) {
            broker.stats().count("recovery_failed");
            release(clientId, q);
            return false;
        }
        broker.stats().count("recovery_sessions");
        if (found.isEmpty()) {
            release(clientId, q);
            return true;
        }
        // its recovery stays under way until its marker is read back (cancel): a hold timeout meanwhile waits too
        CompletionStage<Delivery> w;
        try {
            w = broker.log().handOver(broker.nodeId(), clientId, found);
        } catch (RuntimeException e) {
            w = java.util.concurrent.CompletableFuture.completedFuture(Delivery.rejected(e.toString()));
        }
        w.whenComplete((d, err) -> {
            if (err == null && d != null && d.outcome() == Outcome.DELIVERED) {
                for (int i = 0; i < found.size(); i++) {
                    broker.stats().count("recovered");
                }
                return; // read back as a handover: queued ahead of the held copies, which go out at its marker
            }
            broker.stats().count("recovery_failed");
            LOG.warn("Recovery of session '{}' from node '{}': writing {} message(s) to this node's partition failed"
                    + " ({}); they are not delivered [recovery_failed]", clientId, node, found.size(),
                    err != null ? err.toString() : d == null ? "no outcome" : d.reason());
            release(clientId, q);
        });
        return true;
    }

    /**
     * {@code delivery.handover_timeout_ms} after a scan of {@code node} ended at {@code from}, its partition is read
     * once more from there for the sessions that scan recovered and that are still this node's: other nodes that had
     * not yet read where those sessions went went on writing their messages to {@code node}'s partition (which
     * nobody reads while it is down, and which it passes over when it starts again, the sessions being this node's).
     * What they match is appended to this node's partition addressed to each session, as a forward (no DUP: the old
     * node never had them), counted {@code recovered_late}. A message another node writes there after this read is
     * not delivered to them. Counted {@code recovery_late_scans} per read.
     */
    private void lateScan(String node, long from, java.util.Set<String> recovered) {
        Batch batch = new Batch();
        for (String id : recovered) {
            if (broker.queue(id) != null && cameFrom.get(id) == null) { // still here, not resumed from elsewhere since
                batch.sessions.put(id, new ArrayList<>());
            }
        }
        if (batch.sessions.isEmpty()) {
            return;
        }
        broker.stats().count("recovery_late_scans");
        CompletionStage<ScanResult> s;
        try {
            s = broker.log().scan(node, from, m -> take(batch, m));
        } catch (RuntimeException e) {
            s = java.util.concurrent.CompletableFuture.completedFuture(ScanResult.failed(Delivery.rejected(
                    e.toString())));
        }
        s.whenComplete((r, err) -> {
            String failure = failure(r, err);
            if (failure != null && broker.stopping()) {
                LOG.debug("Late recovery scan of node '{}' not made: this node is stopping ({})", node, failure);
                return;
            }
            if (failure != null) {
                LOG.warn("Late recovery scan of node '{}' failed ({}): messages other nodes sent there for {}"
                        + " session(s) resumed here are not delivered [recovery_failed]", node, failure,
                        batch.sessions.size());
                return;
            }
            for (Map.Entry<String, List<HandedMessage>> e : batch.sessions.entrySet()) {
                for (HandedMessage h : e.getValue()) {
                    forwardLate(node, e.getKey(), h.message());
                }
            }
        });
    }

    private void forwardLate(String node, String clientId, Message m) {
        CompletionStage<Delivery> w;
        try {
            w = broker.log().forward(broker.nodeId(), clientId, m);
        } catch (RuntimeException e) {
            w = java.util.concurrent.CompletableFuture.completedFuture(Delivery.rejected(e.toString()));
        }
        w.whenComplete((d, err) -> {
            if (err == null && d != null && d.outcome() == Outcome.DELIVERED) {
                broker.stats().count("recovered_late");
                return;
            }
            broker.stats().count("recovery_failed");
            LOG.warn("Late recovery for session '{}' from node '{}': writing a message to '{}' to this node's"
                    + " partition failed ({}); it is not delivered [recovery_failed]", clientId, node, m.topic(),
                    err != null ? err.toString() : d == null ? "no outcome" : d.reason());
        });
    }

    private void over(String clientId) {
        begun.remove(clientId);
        cameFrom.remove(clientId);
    }

    private void release(String clientId, SessionQueue q) {
        over(clientId);
        Outbound wake = q.releaseHeld(false);
        if (wake != null) {
            wake.wake();
        }
    }
}
