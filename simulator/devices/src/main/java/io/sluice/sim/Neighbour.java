package io.sluice.sim;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A well-behaved QoS 1 client beside a fault or a fuzzer: a few devices publishing JSON readings at a fixed total
 * rate for as long as it runs, each with a small window of PUBLISHes awaiting PUBACK, every acknowledgement recorded
 * in an {@link AckLedger} for the loss audit. A device whose connection is lost (the server was killed, or closed it
 * rather than acknowledge) reconnects every {@link #RECONNECT_MS} ms; its unacknowledged PUBLISHes count as failed
 * (they may or may not be in the log, which the audit allows). A due PUBLISH that finds its device disconnected or
 * its window full is skipped and counted, so latency is PUBLISH to PUBACK of what was sent; stalls show in
 * {@link Phase#longestAckGapMillis()}, the longest time without any PUBACK.
 *
 * <p>Topics are {@code <topicPrefix>/<device>/temperature}; each reading's timestamp is the run's start plus its
 * sequence number in ms, so each is its own row in a TSDB. Thread-safe: one pacing thread publishes, HiveMQ's
 * threads complete.
 */
public final class Neighbour implements AutoCloseable {
    static final long RECONNECT_MS = 500;

    private final String host;
    private final int port;
    private final int mqttVersion;
    private final String topicPrefix;
    private final double ratePerSecond;
    private final int window;
    private final int payloadBytes;
    private final Device[] devices;
    private final AckLedger ledger = new AckLedger();
    private final long baseMillis = System.currentTimeMillis();
    private final Recorder latency = new Recorder(3);
    private final AtomicLong lastAckNanos = new AtomicLong(System.nanoTime());
    private final AtomicLong longestGapNanos = new AtomicLong();
    private final LongAdder skipped = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder reconnects = new LongAdder();
    private final Map<String, LongAdder> failureKinds = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread pacer;

    /**
     * Connects every device (waiting up to 60 s) and starts publishing.
     *
     * @param devicePrefix device ids are this and a two-digit index
     */
    public Neighbour(String host, int port, int mqttVersion, int devices, double ratePerSecond, int window,
                     int payloadBytes, String devicePrefix, String topicPrefix) {
        if (devices < 1 || ratePerSecond <= 0 || window < 1) {
            throw new IllegalArgumentException("devices >= 1, rate > 0 and window >= 1 are required");
        }
        this.host = host;
        this.port = port;
        this.mqttVersion = mqttVersion;
        this.topicPrefix = topicPrefix;
        this.ratePerSecond = ratePerSecond;
        this.window = window;
        this.payloadBytes = payloadBytes;
        this.devices = new Device[devices];
        for (int i = 0; i < devices; i++) {
            this.devices[i] = new Device(String.format("%s%02d", devicePrefix, i));
        }
        CompletableFuture.allOf(java.util.Arrays.stream(this.devices).map(Device::connect)
                .toArray(CompletableFuture[]::new)).orTimeout(60, TimeUnit.SECONDS).join();
        lastAckNanos.set(System.nanoTime());
        pacer = Thread.ofPlatform().daemon().name("neighbour-pacer").start(this::pace);
    }

    /** Every (device, seq) sent and acknowledged so far. */
    public AckLedger ledger() {
        return ledger;
    }

    /** The device ids (the record keys the server writes). */
    public java.util.Set<String> deviceIds() {
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (Device d : devices) {
            ids.add(d.id);
        }
        return ids;
    }

    /**
     * What happened since the last call (or the start): latency of the PUBLISHes acknowledged in that time and the
     * longest time without a PUBACK (including the time since the last one).
     */
    public synchronized Phase phase() {
        long now = System.nanoTime();
        long gap = Math.max(longestGapNanos.getAndSet(0), now - lastAckNanos.get());
        Histogram h = latency.getIntervalHistogram();
        return new Phase(h, gap / 1_000_000, ledger.sentCount(), ledger.ackedCount(), failed.sum(), skipped.sum(),
                reconnects.sum());
    }

    /** Failures by kind (the exception's class), for reports. */
    public String failureKinds() {
        return failureKinds.isEmpty() ? "none" : new java.util.TreeMap<>(failureKinds).toString();
    }

    /** Whether every device is connected now. */
    public boolean allConnected() {
        for (Device d : devices) {
            if (!d.client().getState().isConnected()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Stops publishing, waits up to {@code drainSeconds} for the outstanding PUBACKs, and disconnects. Outcomes still
     * missing then are counted as failed.
     */
    public void stop(long drainSeconds) {
        running.set(false);
        try {
            pacer.join(5_000);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(drainSeconds);
            while (outstanding() > 0 && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // poll interval while draining
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Device d : devices) {
            d.disconnect();
        }
    }

    @Override
    public void close() {
        if (running.get()) {
            stop(5);
        }
    }

    private int outstanding() {
        int n = 0;
        for (Device d : devices) {
            n += d.outstanding.get();
        }
        return n;
    }

    private void pace() {
        long start = System.nanoTime();
        long k = 0;
        while (running.get()) {
            long due = start + (long) (k * 1e9 / ratePerSecond);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait); // pacing to the fixed rate
                continue;
            }
            devices[(int) (k % devices.length)].offer();
            k++;
        }
    }

    /**
     * What one phase of a run saw.
     *
     * @param latencyMicros        PUBLISH to PUBACK, microseconds, of the PUBLISHes acknowledged in the phase
     * @param longestAckGapMillis  the longest time without any PUBACK in the phase
     * @param sent                 PUBLISHes sent since the start (cumulative)
     * @param acknowledged         PUBACKs since the start (cumulative)
     * @param failed               PUBLISHes that ended without PUBACK since the start (cumulative)
     * @param skipped              due PUBLISHes not sent (device disconnected or window full) since the start
     * @param reconnects           reconnections since the start
     */
    public record Phase(Histogram latencyMicros, long longestAckGapMillis, long sent, long acknowledged, long failed,
                        long skipped, long reconnects) {
        public double p99Millis() {
            return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getValueAtPercentile(99) / 1000.0;
        }

        public double p50Millis() {
            return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getValueAtPercentile(50) / 1000.0;
        }

        public String summary() {
            return String.format(java.util.Locale.ROOT, "%,d acknowledged in the phase, PUBLISH->PUBACK p50 %.2f ms"
                            + " p99 %.2f ms max %.2f ms, longest gap without PUBACK %,d ms; since start: %,d sent,"
                            + " %,d acknowledged, %,d failed, %,d skipped, %,d reconnects",
                    latencyMicros.getTotalCount(), p50Millis(), p99Millis(), latencyMicros.getMaxValue() / 1000.0,
                    longestAckGapMillis, sent, acknowledged, failed, skipped, reconnects);
        }
    }

    /** One device: its client, next sequence number and PUBLISHes awaiting PUBACK. */
    private final class Device {
        final String id;
        final String topic;
        final AtomicInteger outstanding = new AtomicInteger();
        final AtomicBoolean connecting = new AtomicBoolean();
        long nextSeq; // pacer thread only
        private final MqttClient client;

        Device(String id) {
            this.id = id;
            this.topic = topicPrefix + "/" + id + "/temperature";
            var builder = MqttClient.builder().identifier(id).serverHost(host).serverPort(port);
            this.client = mqttVersion == 5 ? builder.useMqttVersion5().buildAsync()
                    : builder.useMqttVersion3().buildAsync();
        }

        MqttClient client() {
            return client;
        }

        CompletableFuture<?> connect() {
            connecting.set(true);
            CompletableFuture<?> f = client instanceof Mqtt5AsyncClient c5 ? c5.connectWith().cleanStart(true).send()
                    : ((Mqtt3AsyncClient) client).connectWith().cleanSession(true).send();
            return f.whenComplete((r, e) -> connecting.set(false));
        }

        /** Called by the pacer when this device's next PUBLISH is due. */
        void offer() {
            if (!client.getState().isConnected()) {
                skipped.increment();
                reconnectLater();
                return;
            }
            if (outstanding.incrementAndGet() > window) {
                outstanding.decrementAndGet();
                skipped.increment();
                return;
            }
            long seq = nextSeq++;
            byte[] payload = Reading.json(id, seq, baseMillis + seq, payloadBytes);
            ledger.sent(id, seq);
            long t0 = System.nanoTime();
            CompletableFuture<?> sent;
            try {
                sent = client instanceof Mqtt5AsyncClient c5
                        ? c5.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send()
                        : ((Mqtt3AsyncClient) client).publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                        .payload(payload).send();
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            sent.whenComplete((r, err) -> {
                outstanding.decrementAndGet();
                if (err == null) {
                    long now = System.nanoTime();
                    latency.recordValue(Math.max(1, (now - t0) / 1000));
                    ledger.acked(id, seq);
                    long last = lastAckNanos.getAndSet(now);
                    longestGapNanos.accumulateAndGet(now - last, Math::max);
                } else {
                    failed.increment();
                    Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                            ? err.getCause() : err;
                    failureKinds.computeIfAbsent(cause.getClass().getSimpleName(), k -> new LongAdder()).increment();
                }
            });
        }

        private void reconnectLater() {
            if (!running.get() || !connecting.compareAndSet(false, true)) {
                return;
            }
            CompletableFuture.delayedExecutor(RECONNECT_MS, TimeUnit.MILLISECONDS).execute(() -> {
                reconnects.increment();
                connect();
            });
        }

        void disconnect() {
            try {
                CompletableFuture<?> f = client instanceof Mqtt5AsyncClient c5 ? c5.disconnect()
                        : ((Mqtt3AsyncClient) client).disconnect();
                f.orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
            } catch (RuntimeException e) {
                // not connected: nothing to close
            }
        }
    }
}
