package io.sluice.daemon;

import io.sluice.daemon.admin.AdminServer;
import io.sluice.daemon.config.SluiceConfig;
import io.sluice.daemon.internal.KafkaSessionStore;
import io.sluice.daemon.internal.LogIngest;
import io.sluice.daemon.internal.Wiring;
import io.sluice.ingest.InflightBudget;
import io.sluice.mqtt.MqttSource;
import io.sluice.mqtt.MqttStats;
import io.sluice.sinks.kafka.KafkaLog;
import io.sluice.sinks.kafka.KafkaSessionLog;
import io.sluice.sinks.kafka.KafkaTopics;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Sluice node: Kafka log writer, session store, in-flight budget and the MQTT listener.
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
    private final AtomicReference<State> state = new AtomicReference<>(State.STARTING);
    private volatile AdminServer admin;
    private final java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();

    private SluiceDaemon(SluiceConfig config, KafkaTopics topics, KafkaSessionLog sessionLog, KafkaLog log,
                         InflightBudget budget, MqttSource mqtt) {
        this.config = config;
        this.topics = topics;
        this.sessionLog = sessionLog;
        this.log = log;
        this.budget = budget;
        this.mqtt = mqtt;
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
        MqttSource mqtt = null;
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
            mqtt = new MqttSource(Wiring.mqttConfig(config), new LogIngest(log, config.nodeId()), budget, sessions,
                    Clock.systemUTC());
            mqtt.start();
            SluiceDaemon daemon = new SluiceDaemon(config, topics, sessionLog, log, budget, mqtt);
            daemon.state.set(State.READY);
            try {
                daemon.admin = AdminServer.start(daemon);
            } catch (RuntimeException e) {
                daemon.shutdown(Duration.ZERO);
                throw e;
            }
            LOG.info("Sluice node {} ready: MQTT on {}:{}, Kafka {}, readings to '{}'", config.nodeId(),
                    config.mqtt().host(), mqtt.port(), config.kafka().bootstrapServers(), config.kafka().readingsTopic());
            return daemon;
        } catch (RuntimeException e) {
            closeQuietly(mqtt, log, sessionLog, topics);
            throw e instanceof StartupException se ? se : new StartupException("start-up failed: " + e.getMessage(), e);
        }
    }

    /** The admin endpoint's port, or -1 before it is up. */
    public int adminPort() {
        AdminServer a = admin;
        return a == null ? -1 : a.port();
    }

    /**
     * Operator's drain: stop accepting connections, wait up to {@code timeout} for outstanding Kafka
     * acknowledgements, and report. The node keeps running (existing connections stay) until stopped.
     */
    public DrainReport drain(Duration timeout) {
        state.compareAndSet(State.READY, State.DRAINING);
        LOG.info("Drain requested: no new connections; waiting up to {} ms for in-flight messages", timeout.toMillis());
        mqtt.stopAccepting();
        boolean drained = mqtt.awaitInflight(timeout);
        log.flush();
        return new DrainReport(drained, mqtt.outstanding(), mqtt.stats().openConnections());
    }

    /** The result of {@link #drain}. */
    public record DrainReport(boolean drained, long inflightLeft, long connectionsOpen) {
    }

    public int mqttPort() {
        return mqtt.port();
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

    public KafkaTopics topics() {
        return topics;
    }

    public InflightBudget budget() {
        return budget;
    }

    public KafkaLog log() {
        return log;
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
        LOG.info("Shutting down: no new connections; waiting up to {} ms for {} bytes in flight to Kafka",
                drainTimeout.toMillis(), budget.usedBytes());
        mqtt.stopAccepting();
        boolean drained = mqtt.awaitInflight(drainTimeout);
        if (!drained) {
            LOG.warn("Drain timeout: {} bytes still unacknowledged by Kafka; their clients get no PUBACK and will"
                    + " retransmit", budget.usedBytes());
        }
        if (drained) {
            log.flush(); // everything has an outcome: this returns at once
        }
        // Not drained means Kafka is slow or gone: flush() could wait without bound, so go straight to the
        // bounded close, which fails what is left (their clients got no PUBACK and will retransmit).
        closeQuietly(mqtt, admin, log, sessionLog, topics);
        state.set(State.STOPPED);
        MqttStats s = mqtt.stats();
        LOG.info("Totals: {} QoS1 and {} QoS0 PUBLISHes, {} PUBACKs, {} error PUBACKs, {} delivery failures,"
                        + " reads paused {} times, events {}", s.publishesQos1.sum(), s.publishesQos0.sum(),
                s.pubacksSent.sum(), s.pubackErrorsSent.sum(), s.deliveryFailures.sum(), s.readsPaused.sum(), s.events());
        LOG.info("Sluice node {} stopped ({})", config.nodeId(), drained ? "drained" : "drain timed out");
        return drained;
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
