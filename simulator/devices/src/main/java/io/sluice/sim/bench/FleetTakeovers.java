package io.sluice.sim.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Takeovers across nodes, part 2 of {@code bench-fleet}: {@code sessions} persistent MQTT 5 sessions with one QoS 1
 * subscription each are connected to node 1; then every client id connects again to node 2 (clean start off), with
 * at most {@code concurrency} takeovers under way at once, then back to node 1, and so on for {@code rounds} moves.
 * A takeover is complete when the new connection has CONNACK with session present AND the old connection has ended
 * with DISCONNECT 0x8E (session taken over); one that misses either, or takes longer than 30 s, is counted as failed
 * with what it missed. Reports takeovers completed per second and the nodes' and Kafka's CPU per takeover.
 * Blocking; the caller's thread drives it.
 */
final class FleetTakeovers {
    private static final long TAKEOVER_TIMEOUT_SECONDS = 30;

    private final FleetNodes fleet;
    private final int sessions;
    private final int concurrency;
    private final PrintStream out;

    FleetTakeovers(FleetNodes fleet, int sessions, int concurrency, PrintStream out) {
        this.fleet = fleet;
        this.sessions = sessions;
        this.concurrency = concurrency;
        this.out = out;
    }

    /**
     * One move of every session from one node to another.
     *
     * @param from, to             node numbers (1-based)
     * @param completed            CONNACK with session present and the old connection ended with 0x8E
     * @param notPresent           CONNACK without session present
     * @param oldNotTakenOver      old connection ended otherwise (closed without 0x8E, other reason code)
     * @param failed               CONNECT failed or the takeover did not finish within 30 s
     * @param p50Ms, p99Ms          time from CONNECT sent until both conditions held, completed ones
     * @param nodesCpu             CPU s of all running nodes over the move
     */
    record Move(int from, int to, long completed, long notPresent, long oldNotTakenOver, long failed, double seconds,
                double p50Ms, double p99Ms, double nodesCpu, double kafkaCpu, double generatorCpu, double loadAverage,
                String firstProblem) {
        double perSecond() {
            return completed / seconds;
        }

        String row() {
            return String.format(Locale.ROOT, "| %d -> %d | %,d | %,d | %,d | %,d | %.2f | %,.0f | %.1f | %.1f | %.2f | %.2f"
                            + " | %.2f | %.2f | %.1f |", from, to, completed, notPresent, oldNotTakenOver, failed, seconds,
                    perSecond(), p50Ms, p99Ms, nodesCpu, nodesCpu * 1000 / Math.max(1, completed), kafkaCpu,
                    generatorCpu, loadAverage);
        }
    }

    static String header() {
        return "| move | completed | no session present | old not ended by 0x8E | failed | s | takeovers/s | p50 ms"
                + " | p99 ms | nodes CPU s | nodes CPU ms per takeover | Kafka CPU s | generator CPU s | load avg |\n"
                + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";
    }

    /** Connects the sessions to node 1, then moves them {@code rounds} times between nodes 1 and 2. */
    List<Move> run(int rounds, int runningNodes) throws Exception {
        String[] ids = new String[sessions];
        for (int i = 0; i < sessions; i++) {
            ids[i] = String.format("tk-%06d", i);
        }
        double known = Math.max(0, fleet.node(1).metric("sluice_fleet_sessions_known"));
        FleetClient[] current = new FleetClient[sessions];
        long t0 = System.nanoTime();
        Semaphore permits = new Semaphore(concurrency);
        AtomicLong failed = new AtomicLong();
        for (int i = 0; i < sessions; i++) {
            permits.acquire();
            FleetClient c = new FleetClient(ids[i], fleet.node(0).mqttPort);
            current[i] = c;
            c.connect(true).thenCompose(ack -> c.subscribe()).orTimeout(60, TimeUnit.SECONDS)
                    .whenComplete((v, e) -> {
                        if (e != null) {
                            failed.incrementAndGet();
                        }
                        permits.release();
                    });
        }
        permits.acquire(concurrency);
        permits.release(concurrency);
        out.printf(Locale.ROOT, "takeovers: %,d sessions with a subscription connected to node 1 in %.1f s (%d failed)%n",
                sessions, (System.nanoTime() - t0) / 1e9, failed.get());
        // node 2 gives session present only for sessions it has read from the sessions topic
        boolean learned = fleet.awaitMetric(1, "sluice_fleet_sessions_known", known + sessions, Duration.ofSeconds(120));
        out.printf("takeovers: node 2 knows them all: %s%n", learned);
        List<Move> moves = new ArrayList<>();
        int from = 0;
        for (int r = 0; r < rounds; r++) {
            int to = from == 0 ? 1 : 0;
            Move m = move(ids, current, from, to, runningNodes);
            out.printf(Locale.ROOT, "takeovers: node %d -> node %d: %,d completed in %.2f s%n", m.from(), m.to(),
                    m.completed(), m.seconds());
            moves.add(m);
            from = to;
        }
        List<CompletableFuture<?>> closing = new ArrayList<>();
        for (FleetClient c : current) {
            closing.add(c.client.disconnect().exceptionally(e -> null));
        }
        CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).orTimeout(60, TimeUnit.SECONDS)
                .exceptionally(e -> null).join();
        return moves;
    }

    private Move move(String[] ids, FleetClient[] current, int from, int to, int runningNodes) throws Exception {
        Semaphore permits = new Semaphore(concurrency);
        AtomicLong completed = new AtomicLong();
        AtomicLong notPresent = new AtomicLong();
        AtomicLong oldOther = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<String> firstProblem = new AtomicReference<>();
        long[] micros = new long[ids.length];
        Arrays.fill(micros, -1);
        double n0 = fleet.nodesCpu(runningNodes);
        double k0 = fleet.kafkaCpu();
        double g0 = ProcCpu.self();
        long start = System.nanoTime();
        for (int i = 0; i < ids.length; i++) {
            permits.acquire();
            int index = i;
            FleetClient old = current[i];
            FleetClient next = new FleetClient(ids[i], fleet.node(to).mqttPort);
            current[i] = next;
            long t0 = System.nanoTime();
            CompletableFuture<Boolean> present = next.connect(false).thenApply(ack -> ack.isSessionPresent());
            present.thenCombine(old.ended, (p, cause) -> {
                        boolean takenOver = FleetClient.takenOver(cause);
                        if (p && takenOver) {
                            micros[index] = (System.nanoTime() - t0) / 1000;
                            completed.incrementAndGet();
                        } else {
                            if (!p) {
                                notPresent.incrementAndGet();
                            }
                            if (!takenOver) {
                                oldOther.incrementAndGet();
                            }
                            firstProblem.compareAndSet(null, ids[index] + ": session present " + p + ", old ended by "
                                    + cause);
                        }
                        return null;
                    }).orTimeout(TAKEOVER_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                    .whenComplete((v, e) -> {
                        if (e != null) {
                            failed.incrementAndGet();
                            firstProblem.compareAndSet(null, ids[index] + ": " + e);
                        }
                        permits.release();
                    });
        }
        permits.acquire(concurrency);
        double seconds = (System.nanoTime() - start) / 1e9;
        permits.release(concurrency);
        long[] done = Arrays.stream(micros).filter(m -> m >= 0).sorted().toArray();
        return new Move(from + 1, to + 1, completed.get(), notPresent.get(), oldOther.get(), failed.get(), seconds,
                percentile(done, 50) / 1000.0, percentile(done, 99) / 1000.0, fleet.nodesCpu(runningNodes) - n0,
                fleet.kafkaCpu() - k0, ProcCpu.self() - g0, DeliveryBenchCommand.loadAverage(), firstProblem.get());
    }

    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
