package io.sluice.daemon;

import io.sluice.daemon.admin.AdminServer;
import io.sluice.daemon.config.SluiceConfig;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.daemon.internal.FanoutService;
import io.sluice.daemon.internal.KafkaSessionStore;
import io.sluice.daemon.internal.LogIngest;
import io.sluice.daemon.internal.Wiring;
import io.sluice.ingest.InflightBudget;
import io.sluice.mqtt.MqttSource;
import io.sluice.security.FileWatch;
import io.sluice.mqtt.MqttStats;
import io.sluice.sinks.FanoutListener;
import io.sluice.udp.LineDatagramSource;
import io.sluice.udp.MqttSnGateway;
import io.sluice.sinks.delivery.DeliveryLogException;
import io.sluice.sinks.delivery.KafkaDeliveryLog;
import io.sluice.sinks.downlink.KafkaDownlink;
import io.sluice.sinks.downlink.KafkaReceipts;
import io.sluice.sinks.kafka.KafkaLog;
import io.sluice.sinks.kafka.KafkaTransactionalLog;
import io.sluice.sinks.kafka.KafkaSessionLog;
import io.sluice.sinks.kafka.KafkaTopics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Sluice node: Kafka log writer, session store, in-flight budget and the MQTT listener, and the
 * fan-out to the TSDB when {@code fanout.enabled}. A fan-out-only node ({@link #startFanout}, {@code sluice fanout})
 * has no MQTT listener, log writer or sessions: {@link #ingests()} is false and those accessors return null.
 *
 * <p>Start-up order matters: Kafka must answer, topics exist, sessions are loaded, the log writer runs, and only
 * then does the listener open, so no client is ever answered with a session-present flag we could not know.
 * Shutdown reverses it: stop accepting, wait for outstanding Kafka acknowledgements (so every PUBACK that can be
 * sent is sent), flush, close. Thread-safe; {@link #shutdown} is idempotent.
 */
public final class SluiceDaemon implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SluiceDaemon.class);

    /** Lifecycle states, reported by status and /ready. */
    public enum State { STARTING, READY, DRAINING, STOPPED }

    private final SluiceConfig config;
    private final KafkaTopics topics;
    private final KafkaSessionLog sessionLog;
    private final KafkaLog log;
    private final InflightBudget budget;
    private final MqttSource mqtt;
    private final PrometheusMeterRegistry registry;
    private volatile FanoutService fanout;
    private volatile MqttSnGateway mqttSn;
    private volatile LineDatagramSource lineUdp;
    private final AtomicReference<State> state = new AtomicReference<>(State.STARTING);
    private volatile AdminServer admin;
    private final java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
    /** Set by {@link #drain}: every in-flight message got its outcome before the drain timeout. */
    private volatile boolean drainedInflight;
    /** Certificates, keys, CA bundle, CRL, password and ACL files: reloaded when they change and on SIGHUP. */
    private volatile FileWatch files;
    /** Authentication and authorization of MQTT clients; null on a fan-out-only node. */
    private volatile io.sluice.auth.Authenticator auth;
    /** Writes QoS 2 readings with their session records in one transaction; null when mqtt.qos2_enabled is off. */
    private volatile KafkaTransactionalLog transactional;
    /** The delivery log (started and closed by the MQTT source); null when delivery is off or on a fan-out node. */
    private volatile KafkaDeliveryLog deliveryLog;
    /** The Kafka downlink (publishes through the MQTT source); null when it is off or on a fan-out node. */
    private volatile KafkaDownlink downlink;
    /** The downlink receipts writer; null when downlink.receipts_topic is empty (or delivery is off). */
    private volatile KafkaReceipts receipts;
    /** How often watched files are checked for changes. */
    static final long FILE_WATCH_INTERVAL_MS = 2_000;

    private SluiceDaemon(SluiceConfig config, KafkaTopics topics, KafkaSessionLog sessionLog, KafkaLog log,
                         InflightBudget budget, MqttSource mqtt, PrometheusMeterRegistry registry) {
        this.config = config;
        this.topics = topics;
        this.sessionLog = sessionLog;
        this.log = log;
        this.budget = budget;
        this.mqtt = mqtt;
        this.registry = registry;
    }

    /**
     * Starts a node and returns once the MQTT listener accepts connections. Blocks while waiting for Kafka (up to
     * {@code kafka.startup_timeout_ms}) and while loading sessions.
     *
     * @throws StartupException when Kafka cannot be reached or the listener cannot bind; nothing is left running
     */
    public static SluiceDaemon start(SluiceConfig config) {
        KafkaTopics topics = null;
        KafkaSessionLog sessionLog = null;
        KafkaLog log = null;
        KafkaTransactionalLog transactional = null;
        MqttSource mqtt = null;
        FanoutService fanout = null;
        MqttSnGateway mqttSn = null;
        LineDatagramSource lineUdp = null;
        FileWatch files = new FileWatch(FILE_WATCH_INTERVAL_MS);
        io.sluice.daemon.internal.HeapCheck.warning(config, Runtime.getRuntime().maxMemory()).ifPresent(LOG::warn);
        io.sluice.auth.Authenticator auth = null;
        KafkaDeliveryLog deliveryLog = null;
        KafkaDownlink downlink = null;
        KafkaReceipts receipts = null;
        try {
            topics = Wiring.topics(config);
            Wiring.awaitKafka(topics, Duration.ofMillis(config.kafka().startupTimeoutMs()));
            if (config.kafka().createTopics()) {
                Wiring.ensureTopics(topics, config);
            }
            sessionLog = Wiring.sessionLog(config);
            KafkaSessionStore sessions = new KafkaSessionStore(sessionLog);
            log = Wiring.log(config);
            InflightBudget budget = new InflightBudget(config.ingest().maxInflightBytes());
            transactional = Wiring.transactionalLog(config, log);
            LogIngest ingest = new LogIngest(log, transactional, config.nodeId(), config.kafka().recordHeaders());
            io.sluice.mqtt.Listeners listeners = Wiring.listeners(config);
            auth = Wiring.authenticator(config, files);
            deliveryLog = config.delivery().enabled() ? Wiring.deliveryLog(config) : null;
            mqtt = new MqttSource(Wiring.mqttConfig(config), listeners, Wiring.sessionLimits(config), ingest, budget,
                    sessions, Clock.systemUTC(), auth, deliveryLog, config.nodeId(), Wiring.deliveryLimits(config));
            if (config.downlink().receipts()) {
                receipts = Wiring.receipts(config);
                mqtt.useReceipts(receipts);
            }
            if (listeners.tls() != null) {
                files.register(listeners.tls());
            }
            InflightBudget udpBudget = Wiring.udpBudget(config, budget);
            var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Timer acks = Timer.builder("sluice.mqtt.puback.latency")
                    .description("from reading a QoS 1 PUBLISH to writing its PUBACK, after Kafka acknowledged it")
                    .publishPercentileHistogram().register(registry);
            mqtt.stats().onAckLatency(nanos -> acks.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS));
            try {
                mqtt.start(); // loads sessions, starts the delivery log (reads the retained topic), then binds
            } catch (DeliveryLogException e) {
                throw new StartupException(e.getMessage(), e);
            } catch (Exception e) {
                boolean tls = e.getMessage() != null && e.getMessage().contains("(TLS)");
                int port = tls ? config.mqttTls().port() : config.mqtt().port();
                throw new StartupException(e.getMessage() + (tls ? " (mqtt_tls.host, mqtt_tls.port)"
                        : " (mqtt.host, mqtt.port)") + privilegedPortHint(port, e), e);
            }
            if (config.downlink().enabled()) {
                // after the MQTT source started: persistent sessions' subscriptions are in the index, so a record
                // for an offline session is queued for it
                downlink = Wiring.downlink(config, mqtt.publisher());
                downlink.start();
            }
            if (config.mqttSn().enabled()) {
                Wiring.sayUdpIsAnonymous("mqtt_sn", config.mqttSn().allowedSources());
                mqttSn = new MqttSnGateway(Wiring.mqttSnConfig(config), ingest, udpBudget);
                bind(mqttSn::start, "mqtt_sn", config.mqttSn().port());
            }
            if (config.lineUdp().enabled()) {
                Wiring.sayUdpIsAnonymous("line_udp", config.lineUdp().allowedSources());
                lineUdp = new LineDatagramSource(Wiring.lineUdpConfig(config), ingest, udpBudget);
                bind(lineUdp::start, "line_udp", config.lineUdp().port());
            }
            if (config.fanout().enabled()) {
                fanout = startFanout(config, registry);
            }
            SluiceDaemon daemon = new SluiceDaemon(config, topics, sessionLog, log, budget, mqtt, registry);
            daemon.fanout = fanout;
            daemon.mqttSn = mqttSn;
            daemon.lineUdp = lineUdp;
            daemon.files = files;
            daemon.auth = auth;
            daemon.transactional = transactional;
            daemon.deliveryLog = deliveryLog;
            daemon.downlink = downlink;
            daemon.receipts = receipts;
            daemon.state.set(State.READY);
            try {
                daemon.admin = AdminServer.start(daemon);
            } catch (RuntimeException e) {
                daemon.shutdown(Duration.ZERO);
                throw e;
            }
            LOG.info("Sluice node {} ready: MQTT on {}, Kafka {}, readings to '{}'", config.nodeId(),
                    listening(config, mqtt), config.kafka().bootstrapServers(), config.kafka().readingsTopic());
            return daemon;
        } catch (RuntimeException e) {
            // the MQTT source closes the delivery log it was given; closing it again does nothing
            closeQuietly(files, fanout, lineUdp, mqttSn, downlink, mqtt, deliveryLog, receipts, auth, transactional,
                    log, sessionLog, topics);
            throw e instanceof StartupException se ? se : new StartupException("start-up failed: " + e.getMessage(), e);
        }
    }

    private static String listening(SluiceConfig config, MqttSource mqtt) {
        List<String> on = new java.util.ArrayList<>();
        if (mqtt.port() >= 0) {
            on.add(config.mqtt().host() + ":" + mqtt.port());
        }
        if (mqtt.tlsPort() >= 0) {
            on.add(config.mqttTls().host() + ":" + mqtt.tlsPort() + " (TLS)");
        }
        return String.join(" and ", on);
    }

    /** A UDP listener's bind, with the section named when it fails (port taken, address not local). */
    private static void bind(UdpStart start, String section, int port) {
        try {
            start.start();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while binding " + section, e);
        } catch (Exception e) {
            throw new StartupException("cannot listen for " + section + " (" + section + ".host, " + section
                    + ".port): " + e.getMessage() + privilegedPortHint(port, e), e);
        }
    }

    /** What to do about a refused bind of a port below 1024 (the packaged unit grants no capabilities). */
    static String privilegedPortHint(int port, Throwable e) {
        String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (port > 0 && port < 1024 && (m.contains("permission denied") || m.contains("access denied"))) {
            return "; ports below 1024 need CAP_NET_BIND_SERVICE: under systemd add a drop-in (systemctl edit sluice)"
                    + " with [Service] CapabilityBoundingSet=CAP_NET_BIND_SERVICE and"
                    + " AmbientCapabilities=CAP_NET_BIND_SERVICE";
        }
        return "";
    }

    @FunctionalInterface
    private interface UdpStart {
        int start() throws Exception;
    }

    /**
     * Starts a fan-out-only node ({@code sluice fanout}): the fan-out members and the admin endpoint, no MQTT.
     * Creates the readings and dead-letter topics first when {@code kafka.create_topics} is on.
     *
     * @throws StartupException when Kafka cannot be reached or a topic is missing; nothing is left running
     */
    public static SluiceDaemon startFanout(SluiceConfig config) {
        KafkaTopics topics = null;
        FanoutService fanout = null;
        try {
            topics = Wiring.topics(config);
            Wiring.awaitKafka(topics, Duration.ofMillis(config.kafka().startupTimeoutMs()));
            SluiceConfig.Kafka k = config.kafka();
            if (k.createTopics()) {
                topics.ensureReadingsTopic(k.readingsTopic(), k.topicPartitions(), k.topicReplicationFactor(),
                        k.topicMinInsyncReplicas());
                Wiring.ensureDeadLetterTopic(topics, config, k.topicPartitions(), k.topicReplicationFactor(),
                        k.topicMinInsyncReplicas());
            }
            var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            fanout = startFanout(config, registry);
            SluiceDaemon daemon = new SluiceDaemon(config, topics, null, null, null, null, registry);
            daemon.fanout = fanout;
            daemon.state.set(State.READY);
            try {
                daemon.admin = AdminServer.start(daemon);
            } catch (RuntimeException e) {
                daemon.shutdown(Duration.ZERO);
                throw e;
            }
            LOG.info("Sluice fan-out node {} ready: reading '{}' at {}", config.nodeId(), k.readingsTopic(),
                    k.bootstrapServers());
            return daemon;
        } catch (RuntimeException e) {
            closeQuietly(fanout, topics);
            throw e instanceof StartupException se ? se : new StartupException("start-up failed: " + e.getMessage(), e);
        }
    }

    private static FanoutService startFanout(SluiceConfig config, PrometheusMeterRegistry registry) {
        Timer writes = Timer.builder("sluice.fanout.write")
                .description("TSDB write requests of one batch that succeeded (splits included)")
                .publishPercentileHistogram().register(registry);
        FanoutListener listener = (points, nanos) -> writes.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        return FanoutService.start(Wiring.fanoutConfig(config), config.fanout().workers(), listener);
    }

    /** The admin endpoint's port, or -1 before it is up. */
    public int adminPort() {
        AdminServer a = admin;
        return a == null ? -1 : a.port();
    }

    /**
     * Operator's drain: stop accepting connections and reading from open ones and from the UDP listeners (MQTT-SN,
     * line protocol), wait up to {@code timeout} for outstanding Kafka acknowledgements, then end every MQTT
     * connection as a stop does (MQTT 5: DISCONNECT 0x9C with a server reference, or 0x8B; MQTT 3.1.1: closed) at
     * shutdown.drain_disconnect_rate_per_s, and report once they are ended or {@code timeout} (counted from the call)
     * has passed; what is left is ended in the background ({@link #drainProgress}). The node keeps running (it still
     * hands sessions over to the nodes its clients reconnect to; datagrams wait in the kernel's buffers) until
     * stopped. Blocking; a second call reports the first's ending.
     */
    public DrainReport drain(Duration timeout) {
        if (mqtt == null) {
            throw new IllegalStateException("this node runs the fan-out only: there is no MQTT listener to drain");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        state.compareAndSet(State.READY, State.DRAINING);
        LOG.info("Drain requested: no new connections, no more reads from open ones or UDP sockets; waiting up to"
                + " {} ms for in-flight messages", timeout.toMillis());
        mqtt.drain();
        List<String> stopped = stopUdpReads();
        boolean drained = mqtt.awaitInflight(timeout)
                && (stopped.isEmpty() || awaitBudget(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))));
        log.flush();
        drainedInflight = drained;
        long inflightLeft = mqtt.outstanding();
        io.sluice.mqtt.DrainDisconnects ending = mqtt.endConnections(config.shutdown().drainDisconnectRatePerS());
        io.sluice.mqtt.DrainDisconnects.Progress p = ending.await(Math.max(0, deadline - System.nanoTime()));
        List<String> all = new java.util.ArrayList<>(List.of("mqtt"));
        all.addAll(stopped);
        DrainReport r = new DrainReport(drained, inflightLeft, mqtt.stats().openConnections(), List.copyOf(all),
                p.toEnd(), p.ended(), drained && p.complete());
        LOG.info("Drain {}: {} message(s) in flight left, ended {} of {} connection(s){}",
                r.complete() ? "complete" : "not complete", inflightLeft, p.ended(), p.toEnd(),
                p.complete() ? "" : ", the rest are being ended in the background");
        return r;
    }

    /** Whether the last drain saw every in-flight message get its outcome before its timeout. */
    public boolean drainedInflight() {
        return drainedInflight;
    }

    /** How far the ending of connections a drain started is, or null when no drain started one. */
    public io.sluice.mqtt.DrainDisconnects.Progress drainProgress() {
        io.sluice.mqtt.DrainDisconnects d = mqtt == null ? null : mqtt.ending();
        return d == null ? null : d.progress();
    }

    /** Stops the UDP listeners reading (they stay bound, so MQTT-SN PUBACKs still go out); returns their names. */
    private List<String> stopUdpReads() {
        List<String> stopped = new java.util.ArrayList<>();
        if (mqttSn != null) {
            mqttSn.stopReading();
            stopped.add("mqtt_sn");
        }
        if (lineUdp != null) {
            lineUdp.stopReading();
            stopped.add("line_udp");
        }
        return stopped;
    }

    /**
     * The result of {@link #drain}.
     *
     * @param drained            every in-flight message got its outcome before the timeout
     * @param inflightLeft       messages still without an outcome when the connections began to be ended
     * @param connectionsOpen    connections open when the report was made
     * @param stoppedReading     the listeners that read nothing more: "mqtt", and "mqtt_sn", "line_udp" when enabled
     * @param connectionsToEnd   connections open when the ending began
     * @param connectionsEnded   of those, the ones the drain ended (the others closed by themselves)
     * @param complete           drained, and every connection ended or closed
     */
    public record DrainReport(boolean drained, long inflightLeft, long connectionsOpen, List<String> stoppedReading,
                              long connectionsToEnd, long connectionsEnded, boolean complete) {
    }

    /** True when this node runs the MQTT listener and log writer (false for {@link #startFanout}). */
    public boolean ingests() {
        return mqtt != null;
    }

    /**
     * Replaces the running fan-out with one built from {@code next}'s fanout section (a reload: new mapping rules,
     * batch bounds or TSDB). The new members start first; only when they run are the old ones stopped (they write
     * what they hold and commit), so a bad new section leaves the old fan-out running.
     *
     * @throws IllegalStateException when this node runs no fan-out
     * @throws RuntimeException      when the new fan-out cannot start (the old one keeps running)
     */
    public synchronized void restartFanout(SluiceConfig next) {
        FanoutService old = fanout;
        if (old == null) {
            throw new IllegalStateException("this node runs no fan-out");
        }
        if (next.kafka().createTopics()) {
            SluiceConfig.Kafka k = next.kafka();
            Wiring.ensureDeadLetterTopic(topics, next, k.topicPartitions(), k.topicReplicationFactor(),
                    k.topicMinInsyncReplicas());
        }
        FanoutService fresh = startFanout(next, registry);
        fanout = fresh;
        old.close();
        fresh.inherit(old);
    }

    /** The MQTT-SN gateway, or null when mqtt_sn.enabled is off. */
    /** The files this node reloads when they change and on SIGHUP; null on a fan-out-only node. */
    public FileWatch files() {
        return files;
    }

    public MqttSnGateway mqttSn() {
        return mqttSn;
    }

    /** The line-protocol datagram listener, or null when line_udp.enabled is off. */
    public LineDatagramSource lineUdp() {
        return lineUdp;
    }

    /** The fan-out of this node, or null when it runs none. */
    public FanoutService fanout() {
        return fanout;
    }

    /** Where this node's meters live; /metrics scrapes it. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public int mqttPort() {
        return mqtt.port();
    }

    /** The TLS listener's bound port, or -1 when mqtt_tls is off. */
    public int mqttTlsPort() {
        return mqtt.tlsPort();
    }

    public State state() {
        return state.get();
    }

    public SluiceConfig config() {
        return config;
    }

    public MqttStats mqttStats() {
        return mqtt.stats();
    }

    public int sessionCount() {
        return mqtt.sessions().sessionCount();
    }

    public MqttSource mqtt() {
        return mqtt;
    }

    /** Authentication and authorization of MQTT clients; null on a fan-out-only node. */
    public io.sluice.auth.Authenticator auth() {
        return auth;
    }

    public KafkaTopics topics() {
        return topics;
    }

    public InflightBudget budget() {
        return budget;
    }

    public KafkaLog log() {
        return log;
    }

    /** The delivery log, or null when delivery.enabled is off or this node runs the fan-out only. */
    public KafkaDeliveryLog deliveryLog() {
        return deliveryLog;
    }

    /** The downlink receipts writer, or null when downlink.receipts_topic is empty or delivery is off. */
    public KafkaReceipts receipts() {
        return receipts;
    }

    /** The Kafka downlink, or null when downlink.enabled (or delivery) is off or this node runs the fan-out only. */
    public KafkaDownlink downlink() {
        return downlink;
    }

    /** The QoS 2 writer (readings with their session records, in transactions); null when QoS 2 is off. */
    public KafkaTransactionalLog transactionalLog() {
        return transactional;
    }

    /**
     * Graceful stop: refuse new connections, wait up to {@code drainTimeout} for every outstanding Kafka
     * acknowledgement (so their PUBACKs go out), flush, then close everything. Blocking; idempotent.
     *
     * @return true when every in-flight message was resolved before the timeout
     */
    public boolean shutdown(Duration drainTimeout) {
        if (!stopping.compareAndSet(false, true)) {
            return true;
        }
        state.set(State.DRAINING);
        if (mqtt == null) {
            closeQuietly(admin, fanout, topics);
            state.set(State.STOPPED);
            LOG.info("Sluice fan-out node {} stopped", config.nodeId());
            return true;
        }
        LOG.info("Shutting down: no new connections; waiting up to {} ms for {} bytes in flight to Kafka",
                drainTimeout.toMillis(), budget.usedBytes());
        mqtt.drain();
        // the downlink stops before the delivery log closes: what it publishes gets its outcome, what is finished
        // is committed (the rest is read again at the next start)
        closeQuietly(downlink);
        // UDP listeners stop first: no new readings; those already submitted are drained with MQTT's below
        closeQuietly(lineUdp, mqttSn);
        boolean udp = mqttSn != null || lineUdp != null;
        boolean drained = mqtt.awaitInflight(drainTimeout) && (!udp || awaitBudget(drainTimeout));
        if (!drained) {
            LOG.warn("Drain timeout: {} bytes still unacknowledged by Kafka; their clients get no PUBACK and will"
                    + " retransmit", budget.usedBytes());
        }
        if (drained) {
            log.flush(); // everything has an outcome: this returns at once
        }
        // Not drained means Kafka is slow or gone: flush() could wait without bound, so go straight to the
        // bounded close, which fails what is left (their clients got no PUBACK and will retransmit).
        // the fan-out stops last: it writes what it holds and commits, including what was just flushed
        // session writes of the connections that just closed (disconnects, presence tombstones) get the session
        // log's full grace only when Kafka took everything else; otherwise they would only wait for it in vain
        KafkaSessionLog sessions = sessionLog;
        AutoCloseable sessionsClose = sessions == null ? null
                : () -> sessions.close(drained ? Duration.ofMillis(config.kafka().requestTimeoutMs()) : drainTimeout);
        // receipts close after the MQTT side (which waits for the receipts of the copies it finished)
        closeQuietly(files, mqtt, receipts, auth, admin, transactional, log, sessionsClose, fanout, topics);
        state.set(State.STOPPED);
        MqttStats s = mqtt.stats();
        LOG.info("Totals: {} QoS1 and {} QoS0 PUBLISHes, {} PUBACKs, {} error PUBACKs, {} delivery failures,"
                        + " reads paused {} times, events {}", s.publishesQos1.sum(), s.publishesQos0.sum(),
                s.pubacksSent.sum(), s.pubackErrorsSent.sum(), s.deliveryFailures.sum(), s.readsPaused.sum(), s.events());
        LOG.info("Sluice node {} stopped ({})", config.nodeId(), drained ? "drained" : "drain timed out");
        return drained;
    }

    /** Waits until the shared in-flight budget is empty (UDP readings count there, not in MQTT's count). */
    private boolean awaitBudget(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (budget.usedBytes() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(10); // shutdown path only
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        shutdown(Duration.ofMillis(config.shutdown().drainTimeoutMs()));
    }

    private static void closeQuietly(AutoCloseable... closeables) {
        for (AutoCloseable c : closeables) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("Error while closing {}: {}", c.getClass().getSimpleName(), e.toString());
            }
        }
    }

    /** Start-up could not complete; the message says why in operator terms. */
    public static final class StartupException extends RuntimeException {
        public StartupException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
