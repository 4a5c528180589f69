package io.sluice.sim.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The generator of {@code bench-delivery}: HiveMQ MQTT 3.1.1 clients in this JVM, publishers and subscribers of one
 * shape (1 to 1, fan-out, fan-in), QoS 1 both ways. Each payload starts with the publisher's {@link System#nanoTime()}
 * at sending (open loop: the time it was due), so the subscriber's receive time gives publish-to-delivery latency on
 * one clock. Closed loop: at most {@code window} deliveries outstanding (sent and not yet received), so the servers'
 * queues stay bounded and the figure is the saturation rate. Open loop: a fixed offered rate of deliveries.
 * Threading: {@link #run} on one caller thread; subscriber callbacks on the HiveMQ client's threads.
 */
final class DeliveryLoad implements AutoCloseable {
    /** A topology: who publishes to which topic, who subscribes to which filter. */
    record Shape(String name, int publishers, int subscribers, boolean topicPerPublisher) {
        String topic(int publisher) {
            return topicPerPublisher ? "bench/d/" + name + "/" + publisher : "bench/d/" + name;
        }

        String filter() {
            return topicPerPublisher ? "bench/d/" + name + "/+" : "bench/d/" + name;
        }

        /** Deliveries per message: every subscriber matches every topic. */
        int fanout() {
            return subscribers;
        }
    }

    /** What one run measured: deliveries, their latency, how many never arrived within the drain. */
    record Result(long published, long delivered, long deliveredInWindow, double seconds, Histogram latencyMicros,
                  long publishFailures, long undelivered, long notOffered) {
        double deliveriesPerSecond() {
            return deliveredInWindow / seconds;
        }
    }

    private final Shape shape;
    private final List<Mqtt3AsyncClient> publishers = new ArrayList<>();
    private final List<Mqtt3AsyncClient> subscribers = new ArrayList<>();
    private final Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(120), 3);
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final Semaphore window = new Semaphore(0);

    private DeliveryLoad(Shape shape) {
        this.shape = shape;
    }

    /** Connects the subscribers (and waits for their SUBACKs), then the publishers, all with a clean session. */
    static DeliveryLoad connect(Shape shape, int port, String idPrefix) {
        DeliveryLoad load = new DeliveryLoad(shape);
        List<CompletableFuture<?>> pending = new ArrayList<>();
        for (int i = 0; i < shape.subscribers(); i++) {
            Mqtt3AsyncClient c = client(port, idPrefix + "s" + i);
            load.subscribers.add(c);
            pending.add(c.connectWith().cleanSession(true).keepAlive(600).send()
                    .thenCompose(ack -> c.subscribeWith().topicFilter(shape.filter()).qos(MqttQos.AT_LEAST_ONCE)
                            .callback(load::received).send()));
        }
        join(pending);
        pending.clear();
        for (int i = 0; i < shape.publishers(); i++) {
            Mqtt3AsyncClient c = client(port, idPrefix + "p" + i);
            load.publishers.add(c);
            pending.add(c.connectWith().cleanSession(true).keepAlive(600).send());
        }
        join(pending);
        return load;
    }

    private static Mqtt3AsyncClient client(int port, String id) {
        return MqttClient.builder().useMqttVersion3().identifier(id).serverHost("127.0.0.1").serverPort(port)
                .buildAsync();
    }

    private static void join(List<CompletableFuture<?>> futures) {
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).orTimeout(120, TimeUnit.SECONDS).join();
    }

    private void received(Mqtt3Publish publish) {
        long sent = publish.getPayload().map(b -> b.getLong(0)).orElse(0L);
        long micros = Math.max(0, (System.nanoTime() - sent) / 1000);
        synchronized (latency) {
            latency.recordValue(Math.min(micros, latency.getHighestTrackableValue()));
        }
        delivered.incrementAndGet();
        window.release();
    }

    /**
     * Publishes for {@code length}: closed loop with at most {@code windowDeliveries} outstanding when
     * {@code offeredPerSecond} is 0, else open loop at that many deliveries per second. Then waits up to 20 s for
     * what was sent to arrive.
     */
    Result run(Duration length, double offeredPerSecond, int windowDeliveries, int payloadBytes) {
        int fanout = shape.fanout();
        window.drainPermits();
        window.release(Math.max(windowDeliveries, fanout));
        long before = delivered.get();
        long published = 0;
        long notOffered = 0;
        long start = System.nanoTime();
        long end = start + length.toNanos();
        double nanosPerMessage = offeredPerSecond > 0 ? 1e9 * fanout / offeredPerSecond : 0;
        // open loop: beyond 2 s worth of deliveries outstanding a due message is counted, not sent
        long openLoopBound = (long) Math.max(2 * offeredPerSecond, fanout);
        while (true) {
            long now = System.nanoTime();
            if (now >= end) {
                break;
            }
            long stamp;
            if (offeredPerSecond > 0) {
                long due = start + (long) (published * nanosPerMessage) + (long) (notOffered * nanosPerMessage);
                if (due > now) {
                    LockSupport.parkNanos(Math.min(due - now, 1_000_000));
                    continue;
                }
                if (published * fanout - (delivered.get() - before) > openLoopBound) {
                    notOffered++;
                    continue;
                }
                stamp = due;
            } else {
                try {
                    if (!window.tryAcquire(fanout, 100, TimeUnit.MILLISECONDS)) {
                        continue;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                stamp = System.nanoTime();
            }
            ByteBuffer payload = ByteBuffer.allocate(Math.max(8, payloadBytes)).putLong(0, stamp);
            int p = (int) (published % publishers.size());
            publishers.get(p).publishWith().topic(shape.topic(p)).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send()
                    .whenComplete((ack, err) -> {
                        if (err != null) {
                            failures.incrementAndGet();
                        }
                    });
            published++;
        }
        long inWindow = delivered.get() - before;
        double seconds = (System.nanoTime() - start) / 1e9;
        long expected = published * fanout;
        long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (delivered.get() - before < expected && System.nanoTime() < drainDeadline) {
            LockSupport.parkNanos(10_000_000); // polling the counter; the run's figures are already taken
        }
        long total = delivered.get() - before;
        Histogram copy;
        synchronized (latency) {
            copy = latency.copy();
            latency.reset();
        }
        return new Result(published, total, inWindow, seconds, copy, failures.getAndSet(0),
                Math.max(0, expected - total), notOffered);
    }

    @Override
    public void close() {
        List<CompletableFuture<?>> pending = new ArrayList<>();
        publishers.forEach(c -> pending.add(c.disconnect().exceptionally(e -> null)));
        subscribers.forEach(c -> pending.add(c.disconnect().exceptionally(e -> null)));
        try {
            join(pending);
        } catch (RuntimeException e) {
            // a client already gone: nothing left to close
        }
    }
}
