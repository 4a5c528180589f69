package io.sluice.sim;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;

/**
 * Drives {@link LoadSpec#devices()} real MQTT connections, each publishing its messages with a window of
 * outstanding PUBLISHes, and records every acknowledgement in an {@link AckLedger} and PUBLISH-to-PUBACK latency
 * in an HdrHistogram. Closed loop: each acknowledgement releases the next message of that device.
 */
public final class MqttLoad {
    private final LoadSpec spec;
    private final AckLedger ledger;
    private final Recorder latency = new Recorder(3);
    private final LongAdder failures = new LongAdder();

    public MqttLoad(LoadSpec spec, AckLedger ledger) {
        this.spec = spec;
        this.ledger = ledger;
    }

    /** Connects every device, publishes everything, waits for all outcomes, disconnects. Blocking. */
    public LoadReport run(PrintStream progress) throws InterruptedException {
        List<DeviceConnection> connections = new ArrayList<>(spec.devices());
        long connectStart = System.nanoTime();
        List<CompletableFuture<?>> connects = new ArrayList<>();
        for (int i = 0; i < spec.devices(); i++) {
            DeviceConnection c = new DeviceConnection(spec.deviceId(i), spec);
            connections.add(c);
            connects.add(c.connect());
        }
        CompletableFuture.allOf(connects.toArray(CompletableFuture[]::new)).join();
        long connectNanos = System.nanoTime() - connectStart;

        CountDownLatch done = new CountDownLatch(spec.devices());
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        AtomicLong lastAcked = new AtomicLong();
        if (progress != null) {
            ticker.scheduleAtFixedRate(() -> {
                long now = ledger.ackedCount();
                progress.printf("  %,d acknowledged (%,d/s), %,d failed%n", now, now - lastAcked.getAndSet(now),
                        failures.sum());
            }, 1, 1, TimeUnit.SECONDS);
        }
        long start = System.nanoTime();
        for (int i = 0; i < spec.devices(); i++) {
            new DeviceRun(spec.deviceId(i), connections.get(i), done).start();
        }
        done.await();
        long elapsed = System.nanoTime() - start;
        ticker.shutdownNow();
        CompletableFuture.allOf(connections.stream().map(DeviceConnection::disconnect)
                .toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        Histogram h = latency.getIntervalHistogram();
        return new LoadReport(ledger.sentCount(), ledger.ackedCount(), failures.sum(), elapsed, connectNanos, h);
    }

    /** One device's closed-loop run: keeps up to window messages outstanding until all are sent. */
    private final class DeviceRun {
        private final String device;
        private final DeviceConnection connection;
        private final CountDownLatch done;
        private final AtomicLong next = new AtomicLong();
        private final AtomicLong outstanding = new AtomicLong();
        private final String topic;

        DeviceRun(String device, DeviceConnection connection, CountDownLatch done) {
            this.device = device;
            this.connection = connection;
            this.done = done;
            this.topic = spec.topicPrefix() + "/" + device + "/temperature";
        }

        void start() {
            if (spec.messagesPerDevice() == 0) {
                done.countDown();
                return;
            }
            for (int i = 0; i < Math.min(spec.windowPerDevice(), spec.messagesPerDevice()); i++) {
                sendNext();
            }
        }

        private void sendNext() {
            long seq = next.getAndIncrement();
            if (seq >= spec.messagesPerDevice()) {
                return;
            }
            outstanding.incrementAndGet();
            byte[] payload = Reading.json(device, seq, System.currentTimeMillis(), spec.payloadBytes());
            ledger.sent(device, seq);
            long t0 = System.nanoTime();
            connection.publish(topic, payload, spec.qos()).whenComplete((r, err) -> {
                if (err == null) {
                    latency.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
                    ledger.acked(device, seq);
                } else {
                    failures.increment();
                }
                long left = outstanding.decrementAndGet();
                if (next.get() < spec.messagesPerDevice()) {
                    sendNext();
                } else if (left == 0) {
                    done.countDown();
                }
            });
        }
    }
}
