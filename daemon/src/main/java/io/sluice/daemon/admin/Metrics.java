package io.sluice.daemon.admin;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.daemon.SluiceDaemon;
import io.sluice.mqtt.MqttStats;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/** Sluice's counters as Prometheus metrics (Micrometer). Scraping is thread-safe. */
final class Metrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final SluiceDaemon daemon;

    Metrics(SluiceDaemon daemon) {
        this.daemon = daemon;
        MqttStats s = daemon.mqttStats();
        counter("sluice.mqtt.connections.opened", "TCP connections accepted", s.connectionsOpened);
        counter("sluice.mqtt.connects.accepted", "CONNECTs answered with CONNACK accepted", s.connectsAccepted);
        counter("sluice.mqtt.publishes.qos0", "QoS 0 PUBLISHes received", s.publishesQos0);
        counter("sluice.mqtt.publishes.qos1", "QoS 1 PUBLISHes received", s.publishesQos1);
        counter("sluice.mqtt.publish.bytes", "payload bytes received", s.publishBytes);
        counter("sluice.mqtt.pubacks", "PUBACKs sent after Kafka acknowledged", s.pubacksSent);
        counter("sluice.mqtt.puback.errors", "MQTT 5 PUBACKs with an error reason code", s.pubackErrorsSent);
        counter("sluice.delivery.failures", "readings Kafka did not take (retryable or rejected)", s.deliveryFailures);
        counter("sluice.mqtt.reads.paused", "times a socket stopped being read for backpressure", s.readsPaused);
        gauge("sluice.mqtt.connections.open", "open MQTT connections", d -> d.mqttStats().openConnections());
        gauge("sluice.inflight.messages", "readings handed to Kafka without an outcome yet",
                d -> d.mqttStats().inflightMessages.sum());
        gauge("sluice.inflight.bytes", "bytes held against ingest.max_inflight_bytes", d -> d.budget().usedBytes());
        gauge("sluice.inflight.bytes.max", "ingest.max_inflight_bytes", d -> d.budget().capacityBytes());
        gauge("sluice.sessions.persistent", "persistent sessions known to this node", d -> d.sessionCount());
        gauge("sluice.sessions.live", "sessions with a connection open on this node", d -> d.mqtt().sessions().liveCount());
        FunctionCounter.builder("sluice.kafka.appended", daemon, d -> d.log().appendedCount())
                .description("records Kafka acknowledged").register(registry);
        FunctionCounter.builder("sluice.kafka.retryable", daemon, d -> d.log().retryableCount())
                .description("records that failed retryably").register(registry);
        FunctionCounter.builder("sluice.kafka.rejected", daemon, d -> d.log().rejectedCount())
                .description("records Kafka rejected").register(registry);
        gauge("sluice.kafka.pending", "records handed to the producer without an outcome", d -> d.log().pendingCount());
        gauge("sluice.ready", "1 when the node is ready", d -> d.state() == SluiceDaemon.State.READY ? 1 : 0);
    }

    private void counter(String name, String help, LongAdder adder) {
        FunctionCounter.builder(name, adder, LongAdder::sum).description(help).register(registry);
    }

    private void gauge(String name, String help, ToDoubleFunction<SluiceDaemon> f) {
        Gauge.builder(name, daemon, f).description(help).register(registry);
    }

    /** Prometheus text exposition. Named events (drops, refusals) become one counter per reason. */
    String scrape() {
        for (String reason : daemon.mqttStats().events().keySet()) {
            FunctionCounter.builder("sluice.events", daemon.mqttStats(), st -> st.event(reason))
                    .description("drops, refusals and protocol violations by reason").tag("reason", reason)
                    .register(registry);
        }
        return registry.scrape();
    }
}
