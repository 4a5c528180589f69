package io.sluice.sim.bench;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/**
 * Reconnect from a killed node, part 3 of {@code bench-fleet}: {@code sessions} persistent MQTT 5 sessions with one
 * QoS 1 subscription each are connected to node 1 and receive {@code perSession} QoS 1 messages each that they never
 * acknowledge (so node 1 holds them unacknowledged, in flight); then node 1 is killed with {@code kill -9} and every
 * client reconnects (clean start off) to nodes 2 and 3 in turn, at most {@code concurrency} CONNECTs under way at
 * once, each tried up to five times. Reports the time from the kill until every client has CONNACK (and how many
 * had session present) and until every message has arrived again, or, when some never do, how many arrived and how
 * many did not within the wait. Blocking; the caller's thread drives it.
 */
final class FleetReconnect {
    private static final int ATTEMPTS = 5;

    private final FleetNodes fleet;
    private final int sessions;
    private final int perSession;
    private final int concurrency;
    private final PrintStream out;

    FleetReconnect(FleetNodes fleet, int sessions, int perSession, int concurrency, PrintStream out) {
        this.fleet = fleet;
        this.sessions = sessions;
        this.perSession = perSession;
        this.concurrency = concurrency;
        this.out = out;
    }

    /**
     * What the reconnect measured.
     *
     * @param firstDelivered     messages that reached their subscriber on node 1 before the kill (of sessions x perSession)
     * @param killSeconds        how long {@code kill -9} took until the process was gone (not counted below)
     * @param connackSeconds     from node 1 gone until the last CONNACK (NaN if some never connected)
     * @param sessionPresent     CONNACKs with session present
     * @param connectFailed      clients that did not connect in five attempts
     * @param retries            CONNECT attempts repeated
     * @param arrived            distinct messages received after the reconnect (of sessions x perSession)
     * @param allArrivedSeconds  from node 1 gone until every message had arrived again (NaN if not within the wait)
     * @param nodesCpu           CPU s of nodes 2 and 3 from the kill until the end of the wait
     */
    record Result(int sessions, int perSession, long firstDelivered, double killSeconds, double connackSeconds,
                  long sessionPresent, long connectFailed, long retries, long arrived, double allArrivedSeconds,
                  double waitedSeconds, double nodesCpu, double kafkaCpu, double generatorCpu, double loadAverage,
                  String firstFailure) {
        long expected() {
            return (long) sessions * perSession;
        }

        String summary() {
            return String.format(Locale.ROOT, "%,d sessions x %d messages held unacknowledged by node 1 (%,d delivered"
                            + " there before the kill); kill -9 took %.2f s; %s of %,d reconnected (CONNACK) %s after node"
                            + " 1 was gone, %,d with session present, %,d failed to connect (%,d retries); messages arrived"
                            + " again: %,d of %,d (%,d did not), %s; nodes 2+3 CPU %.2f s, Kafka CPU %.2f s, generator"
                            + " CPU %.2f s; load average %.1f%s", sessions, perSession, firstDelivered, killSeconds,
                    connectFailed == 0 ? "all" : "not all", sessions,
                    Double.isNaN(connackSeconds) ? "(some never)" : String.format(Locale.ROOT, "%.2f s", connackSeconds),
                    sessionPresent, connectFailed, retries, arrived, expected(), expected() - arrived,
                    Double.isNaN(allArrivedSeconds)
                            ? String.format(Locale.ROOT, "not all within %.0f s of the last CONNACK", waitedSeconds)
                            : String.format(Locale.ROOT, "all %.2f s after node 1 was gone", allArrivedSeconds),
                    nodesCpu, kafkaCpu, generatorCpu, loadAverage, firstFailure == null ? "" : "; first failure: " + firstFailure);
        }
    }

    /** Messages of one session, by the sequence number in their payload; thread-safe. */
    private static final class Inbox {
        private final BitSet seen = new BitSet();

        /** Whether {@code seq} is new here. */
        synchronized boolean add(int seq) {
            if (seen.get(seq)) {
                return false;
            }
            seen.set(seq);
            return true;
        }
    }

    /**
     * @param kill  false for the control: node 1 keeps running and the clients move to nodes 2 and 3 by takeover
     *              (which hands their messages over), showing that the count of arrivals below can reach the whole
     */
    Result run(Duration arrivalWait, boolean kill) throws Exception {
        String[] ids = new String[sessions];
        for (int i = 0; i < sessions; i++) {
            ids[i] = String.format("rc-%06d", i);
        }
        double known2 = Math.max(0, fleet.node(1).metric("sluice_fleet_sessions_known"));
        double known3 = Math.max(0, fleet.node(2).metric("sluice_fleet_sessions_known"));
        AtomicLong firstDelivered = new AtomicLong();
        long t0 = System.nanoTime();
        Made made = connectAll(ids, i -> fleet.node(0).mqttPort, true, (client, id) -> {
            Inbox inbox = new Inbox();
            // never acknowledged: node 1 keeps every one of them in flight for this session
            client.publishes(MqttGlobalPublishFilter.ALL, p -> {
                if (inbox.add(seq(p.getPayloadAsBytes()))) {
                    firstDelivered.incrementAndGet();
                }
            }, true);
        }, true);
        out.printf(Locale.ROOT, "reconnect: %,d sessions with a subscription connected to node 1 in %.1f s (%,d failed,"
                + " %,d retries)%n", sessions, (System.nanoTime() - t0) / 1e9, made.failed(), made.retries());
        boolean learned = fleet.awaitMetric(1, "sluice_fleet_sessions_known", known2 + sessions, Duration.ofSeconds(300))
                && fleet.awaitMetric(2, "sluice_fleet_sessions_known", known3 + sessions, Duration.ofSeconds(300));
        out.printf("reconnect: nodes 2 and 3 know them all: %s%n", learned);
        publish(ids);
        long expected = (long) sessions * perSession;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (firstDelivered.get() < expected && System.nanoTime() < deadline) {
            Thread.sleep(100); // the messages travel node 1 -> Kafka -> node 1 -> clients
        }
        out.printf(Locale.ROOT, "reconnect: %,d of %,d messages delivered on node 1 and left unacknowledged%n",
                firstDelivered.get(), expected);

        double n0 = fleet.eachCpu(3).get(1) + fleet.eachCpu(3).get(2);
        double k0 = fleet.kafkaCpu();
        double g0 = ProcCpu.self();
        long killStart = System.nanoTime();
        if (kill) {
            fleet.node(0).kill9();
        }
        // timed from when node 1 is gone (kill9 also samples its memory first): then an L4 balancer sends clients on
        long gone = System.nanoTime();
        double killSeconds = (gone - killStart) / 1e9;
        AtomicLong arrived = new AtomicLong();
        AtomicLong lastArrival = new AtomicLong();
        Made again = connectAll(ids, i -> fleet.node(1 + i % 2).mqttPort, false, (client, id) -> {
            Inbox inbox = new Inbox();
            client.publishes(MqttGlobalPublishFilter.ALL, p -> {
                if (inbox.add(seq(p.getPayloadAsBytes()))) {
                    arrived.incrementAndGet();
                    lastArrival.set(System.nanoTime());
                }
            });
        }, false);
        double connack = again.failed() == 0 ? (again.lastConnackNanos() - gone) / 1e9 : Double.NaN;
        long waitUntil = System.nanoTime() + arrivalWait.toNanos();
        while (arrived.get() < expected && System.nanoTime() < waitUntil) {
            Thread.sleep(100); // waiting for queues that may never come: the report says how many did
        }
        double all = arrived.get() >= expected ? (lastArrival.get() - gone) / 1e9 : Double.NaN;
        return new Result(sessions, perSession, firstDelivered.get(), killSeconds, connack, again.present(),
                again.failed(), again.retries(), arrived.get(), all, arrivalWait.toSeconds(),
                fleet.eachCpu(3).get(1) + fleet.eachCpu(3).get(2) - n0, fleet.kafkaCpu() - k0, ProcCpu.self() - g0, DeliveryBenchCommand.loadAverage(),
                again.firstFailure());
    }

    /** Sets up a client before its CONNECT (its publish callback). */
    private interface Setup {
        void accept(Mqtt5AsyncClient client, String id);
    }

    private record Made(long failed, long retries, long present, long lastConnackNanos, String firstFailure) {
    }

    /**
     * Connects every id (to {@code port.apply(index)}), with at most {@link #concurrency} attempts under way, each
     * client tried up to {@link #ATTEMPTS} times; with {@code subscribe}, SUBSCRIBEs after its CONNACK. Returns when
     * every one has connected or failed.
     */
    private Made connectAll(String[] ids, IntFunction<Integer> port, boolean cleanStart, Setup setup,
                            boolean subscribe) throws InterruptedException {
        Semaphore permits = new Semaphore(concurrency);
        AtomicLong failed = new AtomicLong();
        AtomicLong retries = new AtomicLong();
        AtomicLong present = new AtomicLong();
        AtomicLong last = new AtomicLong();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        for (int i = 0; i < ids.length; i++) {
            permits.acquire();
            String id = ids[i];
            attempt(id, port.apply(i), cleanStart, setup, subscribe, ATTEMPTS, retries).whenComplete((p, e) -> {
                if (e == null) {
                    if (p) {
                        present.incrementAndGet();
                    }
                    last.accumulateAndGet(System.nanoTime(), Math::max);
                } else {
                    failed.incrementAndGet();
                    firstFailure.compareAndSet(null, id + ": " + e);
                }
                permits.release();
            });
        }
        if (!permits.tryAcquire(concurrency, 10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("connects still unfinished 10 minutes after the last was started");
        }
        permits.release(concurrency);
        return new Made(failed.get(), retries.get(), present.get(), last.get(), firstFailure.get());
    }

    /** One client's CONNECT (and SUBSCRIBE): completes with session present, tried again with a new client. */
    private CompletableFuture<Boolean> attempt(String id, int port, boolean cleanStart, Setup setup, boolean subscribe,
                                               int attempts, AtomicLong retries) {
        FleetClient c = new FleetClient(id, port);
        setup.accept(c.client, id);
        CompletableFuture<Boolean> connected = c.connect(cleanStart).thenApply(ack -> ack.isSessionPresent());
        if (subscribe) {
            connected = connected.thenCompose(p -> c.subscribe().thenApply(s -> p));
        }
        return connected.orTimeout(60, TimeUnit.SECONDS).handle((p, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(p);
            }
            c.client.disconnect(); // in case it connected: one socket per session at a time
            if (attempts <= 1) {
                return CompletableFuture.<Boolean>failedFuture(e);
            }
            retries.incrementAndGet();
            return attempt(id, port, cleanStart, setup, subscribe, attempts - 1, retries);
        }).thenCompose(f -> f);
    }

    /** Publishes {@link #perSession} QoS 1 messages to each session's command topic through node 1. */
    private void publish(String[] ids) {
        FleetClient publisher = new FleetClient("fleet-bench-publisher", fleet.node(0).mqttPort);
        publisher.connect(true).join();
        Semaphore window = new Semaphore(1000);
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int s = 0; s < perSession; s++) {
            for (String id : ids) {
                window.acquireUninterruptibly();
                acks.add(publisher.client.publishWith().topic("cmd/" + id + "/set").qos(MqttQos.AT_LEAST_ONCE)
                        .payload(Integer.toString(s).getBytes(StandardCharsets.US_ASCII)).send()
                        .whenComplete((r, e) -> window.release()));
            }
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).orTimeout(5, TimeUnit.MINUTES).join();
        publisher.client.disconnect().join();
    }

    private static int seq(byte[] payload) {
        return Integer.parseInt(new String(payload, StandardCharsets.US_ASCII));
    }
}
