package io.sluice.sim.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Makes offline persistent sessions on an MQTT server: each session is an MQTT 3.1.1 client {@code sensor-%08d} that
 * connects with clean session off, subscribes to {@code cmd/<id>/#} at QoS 1, and disconnects, with at most
 * {@code concurrency} sessions between CONNECT and the closed socket at once (each holds one open file here).
 *
 * <p>Threading: {@link #make} blocks its caller; the HiveMQ client's threads complete each session and release its
 * permit.
 */
final class PersistentSessionMaker {
    private final int port;
    private final int concurrency;
    private final LongAdder retries = new LongAdder();
    private static final int ATTEMPTS = 5;

    PersistentSessionMaker(int port, int concurrency) {
        this.port = port;
        this.concurrency = concurrency;
    }

    static String clientId(int i) {
        return String.format("sensor-%08d", i);
    }

    /** What {@link #make} did: sessions made, failed (after all attempts; the first failure), attempts repeated. */
    record Made(long ok, long failed, long retries, String firstFailure, double seconds) {
        double perSecond() {
            return ok / seconds;
        }
    }

    /**
     * Makes sessions {@code 0 .. count-1} and returns when every one has completed or failed: an attempt whose steps
     * take more than two minutes fails, a session fails after five attempts, and no new session is started after
     * 1,000 have failed.
     */
    Made make(int count, ProgressLine progress) throws InterruptedException {
        Semaphore permits = new Semaphore(concurrency);
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < count && failed.get() < 1_000; i++) {
            permits.acquire();
            String id = clientId(i);
            attempt(id, ATTEMPTS).whenComplete((v, e) -> {
                if (e == null) {
                    ok.incrementAndGet();
                } else {
                    failed.incrementAndGet();
                    firstFailure.compareAndSet(null, id + ": " + e);
                }
                permits.release();
            });
            if ((i + 1) % 100_000 == 0) {
                progress.print(i + 1, (System.nanoTime() - t0) / 1e9);
            }
        }
        if (!permits.tryAcquire(concurrency, 12, TimeUnit.MINUTES)) {
            throw new IllegalStateException("sessions still unfinished 12 minutes after the last was started");
        }
        return new Made(ok.get(), failed.get(), retries.sum(), firstFailure.get(), (System.nanoTime() - t0) / 1e9);
    }

    /**
     * One session's CONNECT, SUBSCRIBE and DISCONNECT, tried again from CONNECT (with a new client) up to
     * {@code attempts} times when a step fails: a server's listen backlog overflows under a burst
     * of connects, and a dropped SYN is retried by TCP only after seconds.
     */
    private CompletableFuture<Void> attempt(String id, int attempts) {
        Mqtt3AsyncClient c = MqttClient.builder().useMqttVersion3().identifier(id).serverHost("127.0.0.1")
                .serverPort(port).transportConfig().socketConnectTimeout(30, TimeUnit.SECONDS).applyTransportConfig()
                .buildAsync();
        return c.connectWith().cleanSession(false).keepAlive(600).send()
                .thenCompose(ack -> c.subscribeWith().topicFilter("cmd/" + id + "/#").qos(MqttQos.AT_LEAST_ONCE).send())
                .thenCompose(subAck -> c.disconnect())
                .orTimeout(2, TimeUnit.MINUTES)
                .handle((v, e) -> {
                    if (e == null) {
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    c.disconnect(); // in case it connected: the socket must not outlive its permit
                    if (attempts <= 1) {
                        return CompletableFuture.<Void>failedFuture(e);
                    }
                    retries.increment();
                    return attempt(id, attempts - 1);
                })
                .thenCompose(f -> f);
    }

    /** Called every 100,000 sessions started. */
    interface ProgressLine {
        void print(int started, double seconds);
    }
}
