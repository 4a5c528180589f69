package io.sluice.sim;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drives {@link LoadSpec#devices()} real MQTT connections, each publishing its messages with a window of
 * outstanding PUBLISHes, and records every acknowledgement in an {@link AckLedger} and PUBLISH-to-PUBACK latency
 * in an HdrHistogram. Closed loop: each outcome (PUBACK, or failure) releases the next message of that device.
 * At QoS 0 nothing is acknowledged: latency is PUBLISH-to-written and the ledger records no acknowledgements.
 */
public final class MqttLoad {
    private final LoadSpec spec;
    private final AckLedger ledger;
    private final LoadMeter meter = new LoadMeter();

    private volatile long baseMillis;
    private double ratePerSecond;
    private com.hivemq.client.mqtt.MqttClientSslConfig tls;
    private int[] ports;

    /**
     * Open loop: PUBLISHes are scheduled at {@code ratePerSecond} in total, round-robin over the devices, whatever
     * the acknowledgements do; a device with its window full queues the message, and latency is measured from when
     * the message was due (so a slow server shows as latency, not as a lower offered rate). 0 means closed loop.
     */
    public MqttLoad openLoop(double ratePerSecond) {
        this.ratePerSecond = ratePerSecond;
        return this;
    }

    /** Connects every device over TLS with this configuration (null: plain TCP, the default). */
    public MqttLoad tls(com.hivemq.client.mqtt.MqttClientSslConfig config) {
        this.tls = config;
        return this;
    }

    /**
     * Connects device i to {@code ports[i % ports.length]} on the spec's host instead of the spec's port, round robin
     * as an L4 balancer in front of several nodes would spread them.
     */
    public MqttLoad spreadOver(int... ports) {
        this.ports = ports.clone();
        return this;
    }

    public MqttLoad(LoadSpec spec, AckLedger ledger) {
        this.spec = spec;
        this.ledger = ledger;
    }

    /** Connects every device, publishes everything, waits for all outcomes, disconnects. Blocking. */
    public LoadReport run(PrintStream progress) throws InterruptedException {
        baseMillis = System.currentTimeMillis();
        List<DeviceConnection> connections = new ArrayList<>(spec.devices());
        long connectStart = System.nanoTime();
        List<CompletableFuture<?>> connects = new ArrayList<>();
        for (int i = 0; i < spec.devices(); i++) {
            int port = ports == null ? spec.port() : ports[i % ports.length];
            DeviceConnection c = new DeviceConnection(spec.deviceId(i), spec, port, tls);
            connections.add(c);
            connects.add(c.connect());
        }
        CompletableFuture.allOf(connects.toArray(CompletableFuture[]::new)).join();
        long connectNanos = System.nanoTime() - connectStart;

        CountDownLatch done = new CountDownLatch(spec.devices());
        meter.start(progress, spec.qos() == 1 ? "acknowledged" : "written", null);
        long start = System.nanoTime();
        long elapsed;
        try {
            if (ratePerSecond > 0) {
                new OpenLoop(connections).run();
            } else {
                for (int i = 0; i < spec.devices(); i++) {
                    new DeviceRun(spec.deviceId(i), connections.get(i), done).start();
                }
                done.await();
            }
            elapsed = System.nanoTime() - start;
        } finally {
            meter.close();
        }
        CompletableFuture.allOf(connections.stream().map(DeviceConnection::disconnect)
                .toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        return new LoadReport(ledger.sentCount(), ledger.ackedCount(), meter.failures(), elapsed, connectNanos,
                meter.latency(), spec.qos(), meter.timeline());
    }

    /** The open-loop schedule: message k is due at start + k / rate, for device k mod devices, sequence k div devices. */
    private final class OpenLoop {
        private final List<DeviceConnection> connections;
        private final int[] outstanding;
        private final java.util.ArrayDeque<long[]>[] backlog;
        private final CountDownLatch finished;
        private final String[] ids;

        @SuppressWarnings("unchecked")
        OpenLoop(List<DeviceConnection> connections) {
            this.connections = connections;
            int n = connections.size();
            this.outstanding = new int[n];
            this.backlog = new java.util.ArrayDeque[n];
            this.ids = new String[n];
            for (int i = 0; i < n; i++) {
                backlog[i] = new java.util.ArrayDeque<>();
                ids[i] = spec.deviceId(i);
            }
            this.finished = new CountDownLatch(Math.toIntExact((long) n * spec.messagesPerDevice()));
        }

        void run() throws InterruptedException {
            long total = (long) spec.devices() * spec.messagesPerDevice();
            long start = System.nanoTime();
            for (long k = 0; k < total; k++) {
                long due = start + (long) (k * 1e9 / ratePerSecond);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait); // pacing
                }
                offer((int) (k % spec.devices()), k / spec.devices(), due);
            }
            finished.await();
        }

        private void offer(int device, long seq, long due) {
            synchronized (backlog[device]) {
                if (outstanding[device] >= spec.windowPerDevice()) {
                    backlog[device].add(new long[] {seq, due});
                    return;
                }
                outstanding[device]++;
            }
            send(device, seq, due);
        }

        private void send(int device, long seq, long due) {
            String id = ids[device];
            byte[] payload = Reading.json(id, seq, baseMillis + seq, spec.payloadBytes());
            ledger.sent(id, seq);
            CompletableFuture<?> sent;
            try {
                sent = connections.get(device).publish(spec.topicPrefix() + "/" + id + "/temperature", payload,
                        spec.qos());
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            sent.whenComplete((r, err) -> {
                if (err == null) {
                    meter.completed((System.nanoTime() - due) / 1000); // from when it was due
                    if (spec.qos() == 1) {
                        ledger.acked(id, seq);
                    }
                } else {
                    meter.failed(err);
                }
                finished.countDown();
                long[] next;
                synchronized (backlog[device]) {
                    next = backlog[device].poll();
                    if (next == null) {
                        outstanding[device]--;
                    }
                }
                if (next != null) {
                    send(device, next[0], next[1]);
                }
            });
        }
    }

    /**
     * One device's closed-loop run: keeps up to window messages outstanding; each outcome releases the next
     * message. The device is done when every message has an outcome (counted, so a late claim of a sequence
     * number past the end can never finish it twice or early).
     */
    private final class DeviceRun {
        private final String device;
        private final DeviceConnection connection;
        private final CountDownLatch done;
        private final AtomicLong next = new AtomicLong();
        private final AtomicLong outcomes = new AtomicLong();
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

        /** Claims the next sequence number, if one is left, and publishes it. */
        private void sendNext() {
            long seq = next.getAndIncrement();
            if (seq >= spec.messagesPerDevice()) {
                return;
            }
            // ts = run start + seq ms: distinct per device, so each reading is its own point (series + time) in a TSDB
            byte[] payload = Reading.json(device, seq, baseMillis + seq, spec.payloadBytes());
            ledger.sent(device, seq);
            long t0 = System.nanoTime();
            CompletableFuture<?> sent;
            try {
                sent = connection.publish(topic, payload, spec.qos());
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            sent.whenComplete((r, err) -> {
                if (err == null) {
                    meter.completed((System.nanoTime() - t0) / 1000);
                    if (spec.qos() == 1) { // QoS 0 has no acknowledgement: nothing for the audit to hold us to
                        ledger.acked(device, seq);
                    }
                } else {
                    meter.failed(err);
                }
                if (outcomes.incrementAndGet() == spec.messagesPerDevice()) {
                    done.countDown();
                } else {
                    sendNext();
                }
            });
        }
    }
}
