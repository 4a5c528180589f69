package io.sluice.sim;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Recorder;

/**
 * Drives a {@link FleetSpec}: opens the connections at the connect rate, then publishes every identity's messages
 * through its connection, each connection keeping at most {@code window} unanswered, and records every message in
 * a {@link FleetLedger}.
 *
 * <p>Steady mode is an open loop: message {@code k} is made due at its time whatever the acknowledgements do, a
 * connection with a full window holds it back, and latency counts from when it was due, so a slow server shows as
 * latency and not as a lower offered rate. Burst mode makes all of a burst's messages due at once; each connection
 * pushes them through its window, latency counts from the PUBLISH, and the next burst starts when every message of
 * this one has its outcome. A connection's due messages are two counters (due, sent), never a queue: held-back
 * messages cost no memory.
 */
public final class FleetLoad {
    private final FleetSpec spec;
    private final FleetLedger ledger;
    private final LoadMeter meter = new LoadMeter();
    private final Recorder connectLatency = new Recorder(3);
    private final LongAdder connected = new LongAdder();
    private final LongAdder due = new LongAdder();
    private final AtomicLong outcomes = new AtomicLong();
    private final int runTag;
    private final long total;
    private final long snRetryMillis;
    private Lane[] lanes;
    private volatile long target;
    private volatile CompletableFuture<Void> reached;
    private long startNanos;
    private long baseMillis;

    /** One connection and its place in the schedule. Guarded by its own monitor. */
    private static final class Lane {
        final int connection;
        final Publisher link;
        long due;
        long next;
        int outstanding;
        boolean pumping;

        Lane(int connection, Publisher link) {
            this.connection = connection;
            this.link = link;
        }
    }

    /**
     * @param snRetryMillis mqtt-sn: how long a request waits for its answer before it is sent again (up to 5 times)
     */
    public FleetLoad(FleetSpec spec, FleetLedger ledger, long snRetryMillis) {
        this.spec = spec;
        this.ledger = ledger;
        this.runTag = FleetLedger.runTag(spec.identityPrefix());
        this.total = spec.totalMessages();
        this.snRetryMillis = snRetryMillis;
        if (ledger.identities() != spec.identities() || ledger.rounds() < spec.rounds()) {
            throw new IllegalArgumentException("the ledger must hold " + spec.identities() + " identities x "
                    + spec.rounds() + " rounds");
        }
    }

    /**
     * Connects, publishes the whole schedule, waits up to {@code drain} for the last outcomes, disconnects.
     * Blocking; prints a progress line a second to {@code progress} when it is not null.
     */
    public FleetReport run(PrintStream progress, Duration drain) throws InterruptedException, IOException {
        MqttSnClients sn = spec.transport() == FleetSpec.Transport.MQTT_SN
                ? new MqttSnClients(snRetryMillis, 5, meter) : null;
        try {
            long connectNanos = connectAll(sn, progress);
            if (progress != null) {
                progress.printf("%,d/%,d connected in %.2f s%n", connected.sum(), spec.connections(),
                        connectNanos / 1e9);
            }
            meter.start(progress, spec.acknowledged() ? "acknowledged" : "written", () -> String.format(
                    ", %,d in flight, %,d due not sent", ledger.sentCount() - outcomes.get(),
                    due.sum() - ledger.sentCount()));
            List<Long> bursts = new ArrayList<>();
            baseMillis = System.currentTimeMillis();
            startNanos = System.nanoTime();
            long unfinished = spec.mode() == FleetSpec.Mode.STEADY ? steady(drain) : bursts(drain, bursts);
            long elapsed = System.nanoTime() - startNanos;
            meter.close();
            // read before disconnecting: closing fails what is still unanswered, and those are counted as unfinished
            LoadReport load = new LoadReport(ledger.sentCount(), ledger.ackedCount(), meter.failures(), elapsed,
                    connectNanos, meter.latency(), spec.acknowledged() ? 1 : 0, meter.timeline());
            FleetReport report = new FleetReport(load, total, (int) connected.sum(), spec.connections(),
                    connectLatency.getIntervalHistogram(), meter.failuresByKind(), meter.events(), bursts, unfinished,
                    spec.mode() == FleetSpec.Mode.STEADY);
            disconnectAll();
            return report;
        } finally {
            meter.close();
            if (sn != null) {
                sn.close();
            }
        }
    }

    /** Opens every connection at the connect rate; prints how many are connected once a second while it paces. */
    private long connectAll(MqttSnClients sn, PrintStream progress) {
        lanes = new Lane[spec.connections()];
        InetSocketAddress server = new InetSocketAddress(spec.host(), spec.port());
        List<CompletableFuture<?>> connects = new ArrayList<>(spec.connections());
        long start = System.nanoTime();
        long printed = start;
        for (int c = 0; c < spec.connections(); c++) {
            if (progress != null && System.nanoTime() - printed >= 1_000_000_000L) {
                printed = System.nanoTime();
                progress.printf("  connecting: %,d/%,d connected%n", connected.sum(), spec.connections());
            }
            long wait = start + (long) (c * 1e9 / spec.connectRate()) - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait); // pacing the connects
            }
            Publisher link;
            try {
                link = switch (spec.transport()) {
                    case MQTT -> new DeviceConnection(spec.clientId(c), spec.host(), spec.port(), spec.mqttVersion(),
                            spec.sourceAddress(c));
                    case MQTT_SN -> sn.open(spec.clientId(c), server, spec.sourceAddress(c));
                    case LINE_UDP -> new LineDatagramSender(server, spec.sourceAddress(c));
                };
            } catch (IOException | RuntimeException e) { // e.g. a source address that is not local: counted, not fatal
                link = new Unopened(LoadMeter.kind(e));
            }
            lanes[c] = new Lane(c, link);
            long t0 = System.nanoTime();
            CompletableFuture<?> f;
            try {
                f = link.connect();
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            connects.add(f.whenComplete((r, e) -> {
                if (e == null) {
                    connectLatency.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
                    connected.increment();
                } else {
                    meter.event("connect failed: " + LoadMeter.kind(e));
                }
            }));
        }
        CompletableFuture.allOf(connects.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        return System.nanoTime() - start;
    }

    /** Makes each message due at its time; returns how many had no outcome when the drain time ran out. */
    private long steady(Duration drain) throws InterruptedException {
        if (total == 0) {
            return 0;
        }
        expect(total);
        long k = 0;
        while (k < total) {
            long now = System.nanoTime() - startNanos;
            for (; k < total && spec.dueNanos(k) <= now; k++) {
                makeDue(lanes[spec.connectionOf((int) (k % spec.identities()))], 1);
            }
            if (k < total) {
                long wait = spec.dueNanos(k) - (System.nanoTime() - startNanos);
                if (wait > 0) {
                    LockSupport.parkNanos(wait); // open loop: the schedule waits for the clock only
                }
            }
        }
        return await(drain);
    }

    /** One burst after another, each once every message of the previous one has its outcome. */
    private long bursts(Duration drain, List<Long> durations) throws InterruptedException {
        for (int b = 0; b < spec.bursts(); b++) {
            long start = System.nanoTime();
            expect((long) (b + 1) * spec.identities());
            for (Lane l : lanes) {
                makeDue(l, spec.identitiesOn(l.connection));
            }
            long unfinished = await(drain);
            durations.add(System.nanoTime() - start);
            if (unfinished > 0) {
                return unfinished + (long) (spec.bursts() - b - 1) * spec.identities();
            }
        }
        return 0;
    }

    private void expect(long outcomesInAll) {
        reached = new CompletableFuture<>();
        target = outcomesInAll;
        if (outcomes.get() >= outcomesInAll) {
            reached.complete(null);
        }
    }

    /** Waits for the expected outcomes; returns how many are still missing after {@code drain}. */
    private long await(Duration drain) throws InterruptedException {
        try {
            reached.get(drain.toMillis(), TimeUnit.MILLISECONDS);
            return 0;
        } catch (TimeoutException e) {
            return Math.max(0, target - outcomes.get());
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    private void makeDue(Lane l, long messages) {
        synchronized (l) {
            l.due += messages;
        }
        due.add(messages);
        pump(l);
    }

    /**
     * Publishes the lane's due messages while its window has room. One thread pumps a lane at a time; an outcome
     * that arrives meanwhile (even inline, from inside publish) finds it pumping and leaves the room to it, so there
     * is no recursion and no message is missed: the pumping thread checks the counters again under the lock.
     */
    private void pump(Lane l) {
        synchronized (l) {
            if (l.pumping) {
                return;
            }
            l.pumping = true;
        }
        while (true) {
            long j;
            synchronized (l) {
                if (l.outstanding >= spec.window() || l.next >= l.due) {
                    l.pumping = false;
                    return;
                }
                j = l.next++;
                l.outstanding++;
            }
            publish(l, j);
        }
    }

    private void publish(Lane l, long j) {
        long k = spec.message(l.connection, j);
        int identity = (int) (k % spec.identities());
        int round = (int) (k / spec.identities());
        String name = spec.identityName(identity);
        byte[] payload = spec.format().encode(spec.measurement(), name, identity, runTag, round, baseMillis + round,
                spec.payloadBytes());
        ledger.sent(identity, round);
        long from = spec.mode() == FleetSpec.Mode.STEADY ? startNanos + spec.dueNanos(k) : System.nanoTime();
        CompletableFuture<?> sent;
        try {
            sent = l.link.publish("sensors/" + name + "/" + spec.measurement(), payload, spec.qos());
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((r, e) -> {
            if (e == null) {
                meter.completed((System.nanoTime() - from) / 1000);
                if (spec.acknowledged()) {
                    ledger.acked(identity, round);
                }
            } else {
                meter.failed(e);
            }
            synchronized (l) {
                l.outstanding--;
            }
            if (outcomes.incrementAndGet() == target) {
                reached.complete(null);
            }
            pump(l);
        });
    }

    private void disconnectAll() {
        if (lanes == null) {
            return;
        }
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (Lane l : lanes) {
            try {
                all.add(l.link.disconnect().exceptionally(e -> null));
            } catch (RuntimeException e) {
                // a connection that never opened has nothing to close
            }
        }
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            meter.event("disconnect " + LoadMeter.kind(e));
        }
    }

    /** A connection whose socket could not even be opened: every operation fails with the reason. */
    private record Unopened(String reason) implements Publisher {
        @Override
        public CompletableFuture<?> connect() {
            return fail();
        }

        @Override
        public CompletableFuture<?> publish(String topic, byte[] payload, int qos) {
            return fail();
        }

        @Override
        public CompletableFuture<?> disconnect() {
            return CompletableFuture.completedFuture(null);
        }

        private CompletableFuture<?> fail() {
            return CompletableFuture.failedFuture(new LoadMeter.KindedException("not opened: " + reason, reason));
        }
    }
}
