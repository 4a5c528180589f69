package io.sluice.daemon.admin;

import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.internal.FanoutService;
import io.sluice.sinks.FanoutStats;
import io.sluice.udp.LineDatagramStats;
import io.sluice.udp.MqttSnStats;
import io.sluice.mqtt.MqttStats;
import io.sluice.mqtt.SessionInfo;
import io.sluice.sinks.ClusterHealth;
import io.sluice.sinks.delivery.DeliveryLogStats;
import io.sluice.sinks.delivery.KafkaDeliveryLog;
import io.sluice.sinks.downlink.DownlinkStats;
import io.sluice.sinks.downlink.KafkaDownlink;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The documents the admin endpoint serves, as ordered maps: rendered as JSON, or as text for people. */
final class StatusReport {
    private StatusReport() {
    }

    static Map<String, Object> status(SluiceDaemon d, Instant startedAt) {
        ClusterHealth kafka = d.topics().health(Duration.ofSeconds(3));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", d.config().nodeId());
        m.put("state", d.state().name());
        m.put("role", d.ingests() ? (d.fanout() != null ? "ingest+fanout" : "ingest") : "fanout");
        m.put("uptime_seconds", Duration.between(startedAt, Instant.now()).toSeconds());
        io.sluice.mqtt.DrainDisconnects.Progress drain = d.drainProgress();
        if (drain != null) {
            Map<String, Object> dm = new LinkedHashMap<>();
            dm.put("drained", d.drainedInflight());
            dm.put("connections_to_end", drain.toEnd());
            dm.put("connections_ended", drain.ended());
            dm.put("complete", d.drainedInflight() && drain.complete());
            m.put("drain", dm);
        }
        if (d.ingests()) {
            ingest(d, m);
        }
        m.put("kafka_healthy", kafka.healthy());
        m.put("kafka_cluster_id", kafka.healthy() ? kafka.clusterId() : null);
        m.put("kafka_brokers", kafka.brokerCount());
        m.put("kafka_error", kafka.error());
        m.put("readings_topic", d.config().kafka().readingsTopic());
        if (d.ingests()) {
            m.put("kafka_appended", d.log().appendedCount());
            m.put("kafka_retryable", d.log().retryableCount());
            m.put("kafka_rejected", d.log().rejectedCount());
            m.put("kafka_pending", d.log().pendingCount());
            if (d.transactionalLog() != null) {
                m.put("kafka_qos2_transactions", d.transactionalLog().transactionCount());
                m.put("kafka_qos2_committed", d.transactionalLog().committedCount());
                m.put("kafka_qos2_failed", d.transactionalLog().failedCount());
            }
            m.put("events", d.mqttStats().events());
        }
        if (d.deliveryLog() != null) {
            m.put("delivery", delivery(d.deliveryLog()));
        }
        if (d.downlink() != null || d.receipts() != null) {
            Map<String, Object> dl = d.downlink() != null ? downlink(d.downlink()) : new LinkedHashMap<>();
            if (d.receipts() != null) {
                dl.put("receipts", receipts(d.receipts()));
            }
            m.put("downlink", dl);
        }
        if (d.mqttSn() != null) {
            MqttSnStats sn = d.mqttSn().stats();
            Map<String, Object> u = new LinkedHashMap<>();
            u.put("port", d.mqttSn().port());
            u.put("clients", d.mqttSn().clients());
            u.put("datagrams", sn.datagrams.sum());
            u.put("publishes", sn.publishesSubmitted.sum());
            u.put("delivery_failures", sn.deliveryFailures.sum());
            u.put("events", sn.events().isEmpty() ? "none" : sn.events().toString());
            m.put("mqtt_sn", u);
        }
        if (d.lineUdp() != null) {
            LineDatagramStats ls = d.lineUdp().stats();
            Map<String, Object> u = new LinkedHashMap<>();
            u.put("port", d.lineUdp().port());
            u.put("datagrams", ls.datagrams.sum());
            u.put("lines", ls.linesSubmitted.sum());
            u.put("delivery_failures", ls.deliveryFailures.sum());
            u.put("drops", ls.events().isEmpty() ? "none" : ls.events().toString());
            m.put("line_udp", u);
        }
        if (d.fanout() != null) {
            m.put("fanout", fanout(d.fanout()));
        }
        return m;
    }

    /** The Kafka downlink: records read, published, skipped, and what is not finished or not committed yet. */
    static Map<String, Object> downlink(KafkaDownlink downlink) {
        DownlinkStats s = downlink.stats();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("topic", downlink.config().topic());
        m.put("group", downlink.config().group());
        m.put("partitions", s.partitions());
        m.put("read", s.read());
        m.put("published", s.published());
        m.put("undecodable", s.undecodable());
        m.put("refused", s.refused());
        m.put("retries", s.retries());
        m.put("pending", s.pending());
        m.put("pending_bytes", s.pendingBytes());
        m.put("paused", s.paused());
        m.put("pauses", s.pauses());
        m.put("paused_by_bytes", s.pausedByBytes());
        m.put("byte_pauses", s.bytePauses());
        m.put("oversized", s.oversized());
        m.put("lag", s.lag());
        m.put("uncommitted", s.uncommitted());
        m.put("commits", s.commits());
        return m;
    }

    /** The downlink receipts: written, sends failed (tried again), held at the bound, waiting for Kafka. */
    static Map<String, Object> receipts(io.sluice.sinks.downlink.KafkaReceipts receipts) {
        io.sluice.sinks.downlink.ReceiptStats s = receipts.stats();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("topic", receipts.config().topic());
        m.put("written", s.written());
        m.put("failed", s.failed());
        m.put("held", s.held());
        m.put("pending", s.pending());
        m.put("pending_bytes", s.pendingBytes());
        return m;
    }

    /** The delivery log: where this node reads its partition, how far behind, the retained messages it holds. */
    static Map<String, Object> delivery(KafkaDeliveryLog log) {
        DeliveryLogStats s = log.stats();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("topic", log.config().topic() + " partition " + s.partition());
        m.put("position", s.position());
        m.put("committed", s.committed());
        m.put("lag", s.lag());
        m.put("messages", s.messages());
        m.put("skipped_other_nodes", s.skipped());
        m.put("undecodable", s.undecodable());
        m.put("retained", s.retained());
        m.put("retained_bytes", s.retainedBytes());
        m.put("retained_refused", s.retainedRefused());
        m.put("writes_durable", s.writesDurable());
        m.put("writes_retryable", s.writesRetryable());
        m.put("writes_rejected", s.writesRejected());
        m.put("writes_refused_full", s.writesRefusedFull());
        m.put("pending_bytes", s.pendingBytes());
        return m;
    }

    static Map<String, Object> fanout(FanoutService f) {
        FanoutStats s = f.stats();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tsdb", f.config().target());
        m.put("group", f.config().groupId());
        m.put("members_running", f.running() + "/" + f.workers());
        m.put("members_stopped", f.stopped());
        m.put("lag", s.lag());
        m.put("paused", s.paused());
        if (!s.tsdbError().isEmpty()) {
            m.put("tsdb_error", s.tsdbError());
        }
        m.put("points_written", s.pointsWritten());
        m.put("batches", s.batches());
        m.put("mean_write_ms", s.batches() == 0 ? 0 : Math.round(s.writeNanos() / 1e4 / s.batches()) / 100.0);
        m.put("retries", s.retries());
        m.put("dead_lettered", s.deadLettered());
        m.put("dead_letter_topic", f.config().deadLetterTopic());
        m.put("dead_letters_by_reason", s.deadLetteredByReason().isEmpty() ? "none"
                : s.deadLetteredByReason().toString());
        m.put("skipped", s.skipped());
        m.put("restarts", f.restarts());
        return m;
    }

    private static void ingest(SluiceDaemon d, Map<String, Object> m) {
        MqttStats s = d.mqttStats();
        m.put("mqtt_port", d.mqttPort());
        if (d.mqtt().tls() != null) {
            m.put("mqtt_tls_port", d.mqttTlsPort());
            m.put("tls_provider", d.mqtt().tls().providerName());
            m.put("tls_certificate", d.mqtt().tls().serverCertificate().getSubjectX500Principal().getName()
                    + ", valid until " + d.mqtt().tls().serverCertificate().getNotAfter().toInstant());
            List<String> warnings = d.mqtt().tls().warnings();
            if (!warnings.isEmpty()) {
                m.put("tls_warnings", String.join("; ", warnings));
            }
        }
        m.put("connections_open", s.openConnections());
        m.put("sessions_persistent", d.sessionCount());
        m.put("sessions_live", d.mqtt().sessions().liveCount());
        m.put("fleet", fleet(d.mqtt().fleet()));
        m.put("publishes_qos0", s.publishesQos0.sum());
        m.put("publishes_qos1", s.publishesQos1.sum());
        m.put("publishes_qos2", s.publishesQos2.sum());
        m.put("pubacks_sent", s.pubacksSent.sum());
        m.put("puback_errors_sent", s.pubackErrorsSent.sum());
        m.put("inflight_messages", s.inflightMessages.sum());
        m.put("inflight_bytes", d.budget().usedBytes());
        m.put("inflight_bytes_max", d.budget().capacityBytes());
        m.put("reads_paused", s.readsPaused.sum());
        io.sluice.auth.PasswordVerifier v = d.auth() == null ? null : d.auth().verifier();
        if (v != null) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("computed", v.computed.sum());
            p.put("remembered_hits", v.rememberedHits.sum());
            p.put("refused_busy", v.refusedBusy.sum());
            p.put("queue", v.queueDepth() + "/" + d.config().auth().passwordCheckQueue());
            p.put("remembered", v.rememberedCount());
            m.put("password_checks", p);
        }
    }

    /** The fleet block: nodes with connected clients (from the sessions topic), sessions known, takeovers. */
    static Map<String, Object> fleet(io.sluice.mqtt.FleetView f) {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> nodes = new LinkedHashMap<>(f.connectedByNode());
        if (f.otherNodesConnected() > 0) {
            nodes.put("other", f.otherNodesConnected());
        }
        m.put("nodes", nodes);
        m.put("sessions_known", f.sessionsKnown());
        m.put("connected_without_session", f.presenceKnown());
        m.put("taken_over_by_other_nodes", f.takenByOtherNodes());
        m.put("taken_over_from_other_nodes", f.takenFromOtherNodes());
        return m;
    }

    static Map<String, Object> session(SessionInfo i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("client_id", i.clientId());
        m.put("protocol", i.protocolVersion());
        m.put("persistent", i.persistent());
        m.put("connected", i.connected());
        m.put("node", i.node().isEmpty() ? null : i.node());
        m.put("expiry_seconds", i.expirySeconds());
        m.put("disconnected_at", i.disconnectedAtMillis() == 0 ? null : Instant.ofEpochMilli(i.disconnectedAtMillis()).toString());
        m.put("subscriptions", i.subscriptions());
        m.put("queued_messages", i.queued());
        m.put("inflight_messages", i.inflight());
        m.put("queue_full_drops", i.queueFullDrops());
        return m;
    }

    /** "key  value" lines, nested maps indented: what `sluice status` prints without --json. */
    static String text(Map<String, Object> doc) {
        StringBuilder sb = new StringBuilder();
        int width = doc.keySet().stream().mapToInt(String::length).max().orElse(10);
        for (Map.Entry<String, Object> e : doc.entrySet()) {
            if (e.getValue() instanceof Map<?, ?> nested) {
                sb.append(e.getKey()).append(nested.isEmpty() ? "  (none)" : "").append('\n');
                nested.forEach((k, v) -> sb.append("  ").append(k).append("  ").append(v).append('\n'));
            } else {
                sb.append(String.format("%-" + width + "s  %s%n", e.getKey(), e.getValue() == null ? "-" : e.getValue()));
            }
        }
        return sb.toString();
    }

    /** One sentence on what a drain did, before its fields, for people. */
    static String drainSummary(SluiceDaemon.DrainReport r, io.sluice.daemon.config.SluiceConfig config) {
        boolean references = !config.mqtt().serverReferences().isEmpty();
        String how = references ? "MQTT 5 clients told DISCONNECT 0x9C (use another server) with one of "
                + String.join(",", config.mqtt().serverReferences())
                : "MQTT 5 clients told DISCONNECT 0x8B (server shutting down)";
        String inflight = r.drained() ? "every in-flight message acknowledged"
                : r.inflightLeft() + " message(s) still in flight at the drain timeout (their clients retransmit)";
        String ended = "ended " + r.connectionsEnded() + " of " + r.connectionsToEnd() + " connection(s) (" + how
                + "; MQTT 3.1.1 connections closed)";
        String state = r.complete() ? "Drain complete" : r.drained()
                ? "Drain not complete yet: the remaining connections are being ended in the background (sluice"
                        + " status shows how far)"
                : "Drain not complete";
        return state + ": " + inflight + "; " + ended + ". The node keeps running until it is stopped.\n";
    }

    static String sessionsTable(List<SessionInfo> sessions) {
        StringBuilder sb = new StringBuilder(String.format("%-36s %-8s %-10s %-9s %-10s %-16s %s%n", "CLIENT ID",
                "MQTT", "PERSISTENT", "CONNECTED", "EXPIRY S", "NODE", "SUBSCRIPTIONS"));
        for (SessionInfo i : sessions) {
            sb.append(String.format("%-36s %-8s %-10s %-9s %-10d %-16s %s%n", i.clientId(), i.protocolVersion(),
                    i.persistent() ? "yes" : "no", i.connected() ? "yes" : "no", i.expirySeconds(),
                    i.node().isEmpty() ? "-" : i.node(), String.join(",", i.subscriptions())));
        }
        return sb.toString();
    }
}
