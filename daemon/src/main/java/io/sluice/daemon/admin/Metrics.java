package io.sluice.daemon.admin;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.internal.FanoutService;
import io.sluice.sinks.FanoutStats;
import io.sluice.mqtt.MqttStats;
import io.sluice.udp.LineDatagramStats;
import io.sluice.udp.MqttSnStats;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/** Sluice's counters as Prometheus metrics (Micrometer). Scraping is thread-safe. */
final class Metrics {
    private final PrometheusMeterRegistry registry;
    private final SluiceDaemon daemon;

    Metrics(SluiceDaemon daemon) {
        this.daemon = daemon;
        this.registry = daemon.registry();
        gauge("sluice.ready", "1 when the node is ready", d -> d.state() == SluiceDaemon.State.READY ? 1 : 0);
        if (daemon.fanout() != null) {
            fanout();
        }
        if (daemon.ingests()) {
            ingest(daemon.mqttStats());
            passwords();
        }
        if (daemon.deliveryLog() != null) {
            deliveryLog(daemon.deliveryLog());
        }
        if (daemon.downlink() != null) {
            downlink(daemon.downlink());
        }
        if (daemon.receipts() != null) {
            receipts(daemon.receipts());
        }
        if (daemon.mqttSn() != null) {
            MqttSnStats sn = daemon.mqttSn().stats();
            counter("sluice.mqttsn.datagrams", "MQTT-SN datagrams received", sn.datagrams);
            counter("sluice.mqttsn.publishes", "MQTT-SN PUBLISHes handed to Kafka", sn.publishesSubmitted);
            counter("sluice.mqttsn.delivery.failures", "MQTT-SN readings Kafka did not take", sn.deliveryFailures);
            Gauge.builder("sluice.mqttsn.clients", daemon.mqttSn(), g -> g.clients())
                    .description("MQTT-SN clients whose state is held").register(registry);
        }
        if (daemon.lineUdp() != null) {
            LineDatagramStats ls = daemon.lineUdp().stats();
            counter("sluice.lineudp.datagrams", "line-protocol datagrams received", ls.datagrams);
            counter("sluice.lineudp.lines", "line-protocol lines handed to Kafka", ls.linesSubmitted);
            counter("sluice.lineudp.delivery.failures", "line-protocol lines Kafka did not take",
                    ls.deliveryFailures);
        }
    }

    private void deliveryLog(io.sluice.sinks.delivery.KafkaDeliveryLog log) {
        Gauge.builder("sluice.delivery.log.lag", log, l -> l.stats().lag())
                .description("records of this node's delivery partition not yet read").register(registry);
        Gauge.builder("sluice.delivery.log.committed", log, l -> l.stats().committed())
                .description("the stored position of this node's delivery partition (a restart resumes there)")
                .register(registry);
        Gauge.builder("sluice.delivery.retained", log, l -> l.stats().retained())
                .description("retained messages held").register(registry);
        FunctionCounter.builder("sluice.delivery.retained.refused", log, l -> l.stats().retainedRefused())
                .description("retained messages not held (delivery.max_retained_messages or _bytes)")
                .register(registry);
        FunctionCounter.builder("sluice.delivery.log.messages", log, l -> l.stats().messages())
                .description("messages of this node read from the delivery topic").register(registry);
        FunctionCounter.builder("sluice.delivery.log.writes", log, l -> l.stats().writesDurable()).tag("outcome", "durable")
                .description("delivery and retained writes by outcome").register(registry);
        FunctionCounter.builder("sluice.delivery.log.writes", log, l -> l.stats().writesRetryable())
                .tag("outcome", "retryable").description("delivery and retained writes by outcome").register(registry);
        FunctionCounter.builder("sluice.delivery.log.writes", log, l -> l.stats().writesRejected())
                .tag("outcome", "rejected").description("delivery and retained writes by outcome").register(registry);
    }

    private void receipts(io.sluice.sinks.downlink.KafkaReceipts receipts) {
        FunctionCounter.builder("sluice.downlink.receipts.written", receipts, r -> r.stats().written())
                .description("downlink receipts Kafka acknowledged").register(registry);
        FunctionCounter.builder("sluice.downlink.receipts.failed", receipts, r -> r.stats().failed())
                .description("downlink receipt sends Kafka failed (each is tried again)").register(registry);
        FunctionCounter.builder("sluice.downlink.receipts.held", receipts, r -> r.stats().held())
                .description("downlink receipts not taken at downlink.receipts_max_pending_bytes (their positions"
                        + " stay unfinished: delivered again after the next start)").register(registry);
        Gauge.builder("sluice.downlink.receipts.pending", receipts, r -> r.stats().pending())
                .description("downlink receipts waiting for Kafka's acknowledgement").register(registry);
        Gauge.builder("sluice.downlink.receipts.pending.bytes", receipts, r -> r.stats().pendingBytes())
                .description("bytes of the downlink receipts waiting for Kafka (downlink.receipts_max_pending_bytes)")
                .register(registry);
    }

    private void downlink(io.sluice.sinks.downlink.KafkaDownlink downlink) {
        FunctionCounter.builder("sluice.downlink.read", downlink, l -> l.stats().read())
                .description("records read from the downlink topic").register(registry);
        FunctionCounter.builder("sluice.downlink.published", downlink, l -> l.stats().published())
                .description("downlink records made durable by the publish path").register(registry);
        FunctionCounter.builder("sluice.downlink.undecodable", downlink, l -> l.stats().undecodable())
                .description("downlink records that did not decode, skipped").register(registry);
        FunctionCounter.builder("sluice.downlink.refused", downlink, l -> l.stats().refused())
                .description("downlink records the publish path refused for good (retained messages full)")
                .register(registry);
        FunctionCounter.builder("sluice.downlink.retries", downlink, l -> l.stats().retries())
                .description("downlink publishes tried again after a retryable outcome").register(registry);
        Gauge.builder("sluice.downlink.pending", downlink, l -> l.stats().pending())
                .description("downlink records read and not yet durable (downlink.max_pending_records)")
                .register(registry);
        Gauge.builder("sluice.downlink.pending.bytes", downlink, l -> l.stats().pendingBytes())
                .description("bytes of the downlink records read and not yet durable (downlink.max_pending_bytes)")
                .register(registry);
        FunctionCounter.builder("sluice.downlink.pauses", downlink, l -> l.stats().pauses())
                .description("times the downlink paused its partitions at downlink.max_pending_records or"
                        + " downlink.max_pending_bytes").register(registry);
        Gauge.builder("sluice.downlink.paused.by.bytes", downlink, l -> l.stats().pausedByBytes() ? 1 : 0)
                .description("1 while the downlink's partitions are paused at downlink.max_pending_bytes")
                .register(registry);
        FunctionCounter.builder("sluice.downlink.byte.pauses", downlink, l -> l.stats().bytePauses())
                .description("times the downlink paused its partitions at downlink.max_pending_bytes")
                .register(registry);
        FunctionCounter.builder("sluice.downlink.oversized", downlink, l -> l.stats().oversized())
                .description("downlink records larger than downlink.max_pending_bytes, each taken alone")
                .register(registry);
        Gauge.builder("sluice.downlink.lag", downlink, l -> l.stats().lag())
                .description("records of this node's downlink partitions not yet read").register(registry);
        Gauge.builder("sluice.downlink.uncommitted", downlink, l -> l.stats().uncommitted())
                .description("downlink records read whose offsets are not committed yet").register(registry);
    }

    /** Looked up through the daemon on every scrape: a reload may replace the fan-out. */
    private void fanout() {
        fanoutCounter("sluice.fanout.points.written", "points the TSDB accepted", FanoutStats::pointsWritten);
        fanoutCounter("sluice.fanout.batches", "batches written to the TSDB", FanoutStats::batches);
        fanoutCounter("sluice.fanout.retries", "writes that found the TSDB unavailable and were kept for retry",
                FanoutStats::retries);
        fanoutCounter("sluice.fanout.skipped", "readings no rule matched, skipped (fanout.unmatched: skip)",
                FanoutStats::skipped);
        FunctionCounter.builder("sluice.fanout.restarts", daemon, d -> d.fanout() == null ? 0 : d.fanout().restarts())
                .description("fan-out members replaced after an unexpected error").register(registry);
        gauge("sluice.fanout.lag", "records in the readings topic past the group's committed offsets, every"
                + " partition, members up or not (-1 unknown)", d -> d.fanout() == null ? -1 : d.fanout().stats().lag());
        gauge("sluice.fanout.paused", "1 while partitions are paused waiting for the TSDB",
                d -> d.fanout() != null && d.fanout().stats().paused() ? 1 : 0);
        gauge("sluice.fanout.members.running", "fan-out members running in this process",
                d -> d.fanout() == null ? 0 : d.fanout().running());
        gauge("sluice.fanout.members.stopped", "fan-out members configured but not running (stopped on an error,"
                + " not yet replaced)", d -> d.fanout() == null ? 0 : d.fanout().stopped());
    }

    /** The password checks (zero without a password file). */
    private void passwords() {
        passwordCounter("sluice.auth.password.checks", "password verifications computed (one PBKDF2 each)",
                v -> v.computed.sum());
        passwordCounter("sluice.auth.password.remembered.hits", "CONNECTs whose password matched a remembered"
                + " verification (no PBKDF2)", v -> v.rememberedHits.sum());
        passwordCounter("sluice.auth.password.checks.busy", "password checks refused because"
                + " auth.password_check_queue was full (CONNACK server busy)", v -> v.refusedBusy.sum());
        gauge("sluice.auth.password.check.queue", "password checks waiting for a thread (auth.password_check_queue)",
                d -> verifier(d) == null ? 0 : verifier(d).queueDepth());
        gauge("sluice.auth.password.remembered", "verifications remembered (auth.max_remembered_passwords)",
                d -> verifier(d) == null ? 0 : verifier(d).rememberedCount());
    }

    private static io.sluice.auth.PasswordVerifier verifier(SluiceDaemon d) {
        return d.auth() == null ? null : d.auth().verifier();
    }

    private void passwordCounter(String name, String help,
                                 java.util.function.ToLongFunction<io.sluice.auth.PasswordVerifier> f) {
        FunctionCounter.builder(name, daemon, d -> verifier(d) == null ? 0 : f.applyAsLong(verifier(d)))
                .description(help).register(registry);
    }

    private void fanoutCounter(String name, String help, java.util.function.ToLongFunction<FanoutStats> f) {
        FunctionCounter.builder(name, daemon, d -> d.fanout() == null ? 0 : f.applyAsLong(d.fanout().stats()))
                .description(help).register(registry);
    }

    private void ingest(MqttStats s) {
        counter("sluice.mqtt.connections.opened", "TCP connections accepted", s.connectionsOpened);
        counter("sluice.mqtt.connects.accepted", "CONNECTs answered with CONNACK accepted", s.connectsAccepted);
        counter("sluice.mqtt.publishes.qos0", "QoS 0 PUBLISHes received", s.publishesQos0);
        counter("sluice.mqtt.publishes.qos1", "QoS 1 PUBLISHes received", s.publishesQos1);
        counter("sluice.mqtt.publishes.qos2", "QoS 2 PUBLISHes received (retransmissions of held packet ids not counted)",
                s.publishesQos2);
        counter("sluice.mqtt.publish.bytes", "payload bytes received", s.publishBytes);
        counter("sluice.mqtt.pubacks", "PUBACKs sent after Kafka acknowledged", s.pubacksSent);
        counter("sluice.mqtt.puback.errors", "MQTT 5 PUBACKs with an error reason code", s.pubackErrorsSent);
        counter("sluice.delivery.failures", "readings Kafka did not take (retryable or rejected)", s.deliveryFailures);
        counter("sluice.mqtt.reads.paused", "times a socket stopped being read for backpressure", s.readsPaused);
        gauge("sluice.mqtt.connections.open", "open MQTT connections", d -> d.mqttStats().openConnections());
        gauge("sluice.mqtt.partial_packet.bytes", "bytes of incomplete MQTT packets held (mqtt.max_partial_packet_bytes)",
                d -> d.mqttStats().partialPacketBytes.get());
        gauge("sluice.inflight.messages", "readings handed to Kafka without an outcome yet",
                d -> d.mqttStats().inflightMessages.sum());
        gauge("sluice.inflight.bytes", "bytes held against ingest.max_inflight_bytes", d -> d.budget().usedBytes());
        gauge("sluice.inflight.bytes.max", "ingest.max_inflight_bytes", d -> d.budget().capacityBytes());
        gauge("sluice.sessions.persistent", "persistent sessions known to this node", d -> d.sessionCount());
        gauge("sluice.sessions.live", "sessions with a connection open on this node", d -> d.mqtt().sessions().liveCount());
        gauge("sluice.fleet.nodes", "nodes with clients connected, as the sessions topic says",
                d -> d.mqtt().fleet().connectedByNode().size() + (d.mqtt().fleet().otherNodesConnected() > 0 ? 1 : 0));
        gauge("sluice.fleet.sessions.known", "persistent sessions of every node known to this one",
                d -> d.mqtt().fleet().sessionsKnown());
        gauge("sluice.fleet.connected", "clients connected on any node of the fleet, as the sessions topic says",
                d -> d.mqtt().fleet().connectedByNode().values().stream().mapToLong(Long::longValue).sum()
                        + d.mqtt().fleet().otherNodesConnected());
        FunctionCounter.builder("sluice.fleet.takeovers", daemon, d -> d.mqtt().fleet().takenByOtherNodes())
                .tag("direction", "lost").description("takeovers across nodes: connections here taken by another"
                        + " node (lost), CONNECTs here that took a client id from another node (won)").register(registry);
        FunctionCounter.builder("sluice.fleet.takeovers", daemon, d -> d.mqtt().fleet().takenFromOtherNodes())
                .tag("direction", "won").description("takeovers across nodes: connections here taken by another"
                        + " node (lost), CONNECTs here that took a client id from another node (won)").register(registry);
        FunctionCounter.builder("sluice.kafka.appended", daemon, d -> d.log().appendedCount())
                .description("records Kafka acknowledged").register(registry);
        FunctionCounter.builder("sluice.kafka.retryable", daemon, d -> d.log().retryableCount())
                .description("records that failed retryably").register(registry);
        FunctionCounter.builder("sluice.kafka.rejected", daemon, d -> d.log().rejectedCount())
                .description("records Kafka rejected").register(registry);
        gauge("sluice.kafka.pending", "records handed to the producer without an outcome", d -> d.log().pendingCount());
        counter("sluice.mqtt.deliveries.sent", "PUBLISHes written to subscribers (first sends)", s.deliveriesSent);
        counter("sluice.mqtt.deliveries.completed", "messages subscribers acknowledged, or got at QoS 0",
                s.deliveriesCompleted);
        gauge("sluice.mqtt.deliveries.queued", "messages waiting for subscribers, unacknowledged ones included",
                d -> d.mqttStats().deliveryQueued.get());
        gauge("sluice.mqtt.deliveries.inflight", "messages sent to subscribers and not yet acknowledged",
                d -> d.mqttStats().deliveryInflight.get());
        io.micrometer.core.instrument.Timer latency = io.micrometer.core.instrument.Timer
                .builder("sluice.mqtt.delivery.latency")
                .description("from accepting a PUBLISH to writing it to a subscriber (first sends)")
                .publishPercentileHistogram().register(registry);
        s.onDeliveryLatency(ms -> latency.record(ms, java.util.concurrent.TimeUnit.MILLISECONDS));
        FunctionCounter.builder("sluice.kafka.qos2.transactions", daemon,
                        d -> d.transactionalLog() == null ? 0 : d.transactionalLog().transactionCount())
                .description("Kafka transactions committed by the QoS 2 writer (each holds every QoS 2 reading waiting)")
                .register(registry);
        FunctionCounter.builder("sluice.kafka.qos2.committed", daemon,
                        d -> d.transactionalLog() == null ? 0 : d.transactionalLog().committedCount())
                .description("QoS 2 readings committed with the record of their packet id").register(registry);
        FunctionCounter.builder("sluice.kafka.qos2.failed", daemon,
                        d -> d.transactionalLog() == null ? 0 : d.transactionalLog().failedCount())
                .description("QoS 2 readings whose transaction did not commit (retryable or rejected)").register(registry);
    }

    private void counter(String name, String help, LongAdder adder) {
        FunctionCounter.builder(name, adder, LongAdder::sum).description(help).register(registry);
    }

    private void gauge(String name, String help, ToDoubleFunction<SluiceDaemon> f) {
        Gauge.builder(name, daemon, f).description(help).register(registry);
    }

    /** Prometheus text exposition. Named events (drops, refusals) become one counter per reason. */
    String scrape() {
        if (daemon.ingests()) {
            for (String reason : daemon.mqttStats().events().keySet()) {
                FunctionCounter.builder("sluice.events", daemon.mqttStats(), st -> st.event(reason))
                        .description("drops, refusals and protocol violations by reason").tag("reason", reason)
                        .register(registry);
            }
        }
        if (daemon.deliveryLog() != null) {
            deliveryLog(daemon.deliveryLog());
        }
        if (daemon.downlink() != null) {
            downlink(daemon.downlink());
        }
        if (daemon.mqttSn() != null) {
            MqttSnStats sn = daemon.mqttSn().stats();
            for (String reason : sn.events().keySet()) {
                FunctionCounter.builder("sluice.udp.drops", sn, st -> st.event(reason))
                        .description("UDP datagrams, lines or publishes dropped or refused, by listener and reason")
                        .tag("listener", "mqtt_sn").tag("reason", reason).register(registry);
            }
        }
        if (daemon.lineUdp() != null) {
            LineDatagramStats ls = daemon.lineUdp().stats();
            for (String reason : ls.events().keySet()) {
                FunctionCounter.builder("sluice.udp.drops", ls, st -> st.event(reason))
                        .description("UDP datagrams, lines or publishes dropped or refused, by listener and reason")
                        .tag("listener", "line_udp").tag("reason", reason).register(registry);
            }
        }
        FanoutService f = daemon.fanout();
        if (f != null) {
            for (String reason : f.stats().deadLetteredByReason().keySet()) {
                FunctionCounter.builder("sluice.fanout.dead.letters", daemon,
                                d -> d.fanout() == null ? 0 : d.fanout().stats().deadLetteredByReason()
                                        .getOrDefault(reason, 0L))
                        .description("readings or points sent to the dead-letter topic, by reason")
                        .tag("reason", reason).register(registry);
            }
        }
        return registry.scrape();
    }
}
