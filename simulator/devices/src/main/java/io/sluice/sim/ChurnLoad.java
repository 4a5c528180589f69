package io.sluice.sim;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * Churn: devices with persistent sessions connect, publish a few QoS 1 readings, disconnect, and come back for the
 * next cycle, expecting the session to be there. The first connect of a device must find no session (client ids
 * are fresh: pick a new prefix per run), every later one must find it. Every reading goes through the
 * {@link AckLedger} so the loss audit covers churn too. At most {@code concurrency} devices are connected at once.
 */
public final class ChurnLoad {
    private final ChurnSpec spec;
    private final AckLedger ledger;
    private final LongAdder connects = new LongAdder();
    private final LongAdder sessionMismatches = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final Recorder connectLatency = new Recorder(3);

    /**
     * What the churning devices do.
     *
     * @param host              MQTT server host
     * @param port              MQTT server port
     * @param devices           distinct device identities
     * @param cycles            connect-publish-disconnect cycles per device
     * @param messagesPerCycle  QoS 1 readings per connection
     * @param mqttVersion       3 (3.1.1, clean session false) or 5 (clean start false, session expiry)
     * @param concurrency       devices connected at once
     * @param devicePrefix      client ids are prefix + zero-padded index; use a fresh one per run
     */
    public record ChurnSpec(String host, int port, int devices, int cycles, int messagesPerCycle, int mqttVersion,
                            int concurrency, String devicePrefix) {
        public ChurnSpec {
            if (devices < 1 || cycles < 1 || messagesPerCycle < 0 || concurrency < 1) {
                throw new IllegalArgumentException("devices, cycles and concurrency >= 1, messages >= 0");
            }
            if (mqttVersion != 3 && mqttVersion != 5) {
                throw new IllegalArgumentException("mqttVersion must be 3 or 5: " + mqttVersion);
            }
        }

        String deviceId(int i) {
            return devicePrefix + String.format("%06d", i);
        }
    }

    /**
     * What a churn run saw.
     *
     * @param connects          CONNACKs received
     * @param sessionMismatches connects whose session-present flag was not what the cycle expects
     * @param acknowledged      readings acknowledged
     * @param failed            publishes or connects that failed
     * @param elapsedNanos      wall time of the run
     * @param connectP99Micros  99th percentile CONNECT-to-CONNACK latency
     */
    public record ChurnReport(long connects, long sessionMismatches, long acknowledged, long failed,
                              long elapsedNanos, long connectP99Micros) {
        public String summary() {
            return String.format("churn: %,d connects (%,d with the wrong session-present flag), %,d acknowledged,"
                            + " %,d failed in %.2f s; CONNECT->CONNACK p99 %.2f ms", connects, sessionMismatches,
                    acknowledged, failed, elapsedNanos / 1e9, connectP99Micros / 1000.0);
        }
    }

    public ChurnLoad(ChurnSpec spec, AckLedger ledger) {
        this.spec = spec;
        this.ledger = ledger;
    }

    /** Runs every device's cycles; blocking. */
    public ChurnReport run() throws InterruptedException {
        long start = System.nanoTime();
        Semaphore slots = new Semaphore(spec.concurrency());
        // one thread hands out connection slots in order; callbacks never block on it
        ExecutorService acquirer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "churn-slots");
            t.setDaemon(true);
            return t;
        });
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < spec.devices(); i++) {
            String id = spec.deviceId(i);
            CompletableFuture<Void> device = CompletableFuture.completedFuture(null);
            for (int c = 0; c < spec.cycles(); c++) {
                int cycle = c;
                device = device.thenCompose(v -> CompletableFuture.runAsync(slots::acquireUninterruptibly, acquirer))
                        .thenCompose(v -> cycle(id, cycle).whenComplete((r, e) -> slots.release()))
                        .exceptionally(e -> {
                            failures.increment();
                            return null;
                        });
            }
            all.add(device);
        }
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        } finally {
            acquirer.shutdownNow();
        }
        return new ChurnReport(connects.sum(), sessionMismatches.sum(), ledger.ackedCount(), failures.sum(),
                System.nanoTime() - start, connectLatency.getIntervalHistogram().getValueAtPercentile(99));
    }

    /** One connection of one device: connect (checking session present), publish, disconnect. */
    private CompletableFuture<Void> cycle(String id, int cycle) {
        boolean expectSession = cycle > 0;
        long t0 = System.nanoTime();
        String topic = "sensors/" + id + "/churn";
        long firstSeq = (long) cycle * spec.messagesPerCycle();
        if (spec.mqttVersion() == 5) {
            Mqtt5AsyncClient c = MqttClient.builder().useMqttVersion5().identifier(id).serverHost(spec.host())
                    .serverPort(spec.port()).buildAsync();
            return c.connectWith().cleanStart(false).sessionExpiryInterval(3600).send()
                    .thenCompose(ack -> {
                        connected(t0, ack.isSessionPresent(), expectSession);
                        return publishAll(id, topic, firstSeq,
                                (t, p) -> c.publishWith().topic(t).qos(MqttQos.AT_LEAST_ONCE).payload(p).send());
                    })
                    .thenCompose(v -> c.disconnect());
        }
        Mqtt3AsyncClient c = MqttClient.builder().useMqttVersion3().identifier(id).serverHost(spec.host())
                .serverPort(spec.port()).buildAsync();
        return c.connectWith().cleanSession(false).send()
                .thenCompose(ack -> {
                    connected(t0, ack.isSessionPresent(), expectSession);
                    return publishAll(id, topic, firstSeq,
                            (t, p) -> c.publishWith().topic(t).qos(MqttQos.AT_LEAST_ONCE).payload(p).send());
                })
                .thenCompose(v -> c.disconnect());
    }

    private void connected(long t0, boolean present, boolean expected) {
        connectLatency.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
        connects.increment();
        if (present != expected) {
            sessionMismatches.increment();
        }
    }

    private CompletableFuture<Void> publishAll(String id, String topic, long firstSeq,
                                               java.util.function.BiFunction<String, byte[], CompletableFuture<?>> send) {
        List<CompletableFuture<?>> sent = new ArrayList<>();
        for (int m = 0; m < spec.messagesPerCycle(); m++) {
            long seq = firstSeq + m;
            ledger.sent(id, seq);
            sent.add(send.apply(topic, Reading.json(id, seq, System.currentTimeMillis(), 96)).whenComplete((r, e) -> {
                if (e == null) {
                    ledger.acked(id, seq);
                } else {
                    failures.increment();
                }
            }));
        }
        return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new));
    }
}
