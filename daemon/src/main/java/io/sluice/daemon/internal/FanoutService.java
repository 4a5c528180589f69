package io.sluice.daemon.internal;

import io.sluice.sinks.FanoutConfig;
import io.sluice.sinks.FanoutListener;
import io.sluice.sinks.FanoutStats;
import io.sluice.sinks.fanout.GroupLag;
import io.sluice.sinks.fanout.KafkaFanout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fan-out members of this process: {@code workers} {@link KafkaFanout}s in one consumer group, each with its
 * own consumer, batch and writer thread. A member that stopped on an unexpected error is replaced after a pause
 * (its uncommitted records are re-read by whoever owns the partitions next). The lag is the group's, measured from
 * its committed offsets every {@value #LAG_SECONDS} s on the supervisor thread ({@link GroupLag}), so it stays right
 * while members are down or restarting. Thread-safe.
 */
public final class FanoutService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FanoutService.class);
    private static final long SUPERVISE_SECONDS = 5;
    private static final long LAG_SECONDS = 2;

    private final FanoutConfig config;
    private final FanoutListener listener;
    private final KafkaFanout[] members;
    /** Counters of replaced members, so totals survive a restart. */
    private final List<FanoutStats> retired = new ArrayList<>();
    private final AtomicLong restarts = new AtomicLong();
    private final ScheduledExecutorService supervisor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-fanout-supervisor");
        t.setDaemon(true);
        return t;
    });
    private boolean closed;
    private final GroupLag groupLag;
    /** The group's lag as last measured; -1 before the first answer or when Kafka did not answer. */
    private volatile long lag = -1;

    private FanoutService(FanoutConfig config, int workers, FanoutListener listener) {
        this.config = config;
        this.listener = listener;
        this.members = new KafkaFanout[workers];
        this.groupLag = new GroupLag(config.bootstrapServers(), config.topic(), config.groupId(),
                config.consumerProperties());
    }

    /**
     * Starts every member; returns once each has checked its topics and started polling.
     *
     * @throws IllegalStateException when a topic is missing or a member cannot start (none is left running)
     */
    public static FanoutService start(FanoutConfig config, int workers, FanoutListener listener) {
        FanoutService s = new FanoutService(config, workers, listener);
        try {
            for (int i = 0; i < workers; i++) {
                s.members[i] = KafkaFanout.start(config, listener);
            }
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        s.supervisor.scheduleWithFixedDelay(s::supervise, SUPERVISE_SECONDS, SUPERVISE_SECONDS, TimeUnit.SECONDS);
        s.supervisor.scheduleWithFixedDelay(s::measureLag, 0, LAG_SECONDS, TimeUnit.SECONDS);
        LOG.info("Fan-out: {} member(s) in group '{}' writing to {}", workers, config.groupId(), config.target());
        return s;
    }

    private void measureLag() {
        lag = groupLag.measure(Duration.ofSeconds(LAG_SECONDS));
    }

    private synchronized void supervise() {
        for (int i = 0; i < members.length && !closed; i++) {
            KafkaFanout m = members[i];
            if (m != null && m.isRunning()) {
                continue;
            }
            if (m != null) {
                retired.add(m.stats());
                members[i] = null;
            }
            try {
                members[i] = KafkaFanout.start(config, listener);
                restarts.incrementAndGet();
                LOG.warn("Fan-out member {} had stopped; replaced (restart {})", i, restarts.get());
            } catch (RuntimeException e) {
                LOG.error("Fan-out member {} cannot be restarted yet: {}", i, e.getMessage());
            }
        }
    }

    /**
     * Takes over the totals of a service this one replaces (a reload with a new fanout section), so counters keep
     * counting up. Call after {@code old} was closed.
     */
    public synchronized void inherit(FanoutService old) {
        FanoutStats s = old.stats();
        retired.add(new FanoutStats(s.pointsWritten(), s.batches(), s.retries(), s.deadLettered(),
                s.deadLetteredByReason(), s.skipped(), false, -1, s.writeNanos()));
        restarts.addAndGet(old.restarts());
    }

    /** Totals of every member since start; the lag is the group's (every partition, members up or not). */
    public synchronized FanoutStats stats() {
        List<FanoutStats> all = new ArrayList<>();
        for (FanoutStats r : retired) {
            all.add(new FanoutStats(r.pointsWritten(), r.batches(), r.retries(), r.deadLettered(),
                    r.deadLetteredByReason(), r.skipped(), false, -1, r.writeNanos()));
        }
        for (KafkaFanout m : members) {
            if (m != null) {
                all.add(m.stats());
            }
        }
        FanoutStats sum = FanoutStats.sum(all);
        return new FanoutStats(sum.pointsWritten(), sum.batches(), sum.retries(), sum.deadLettered(),
                sum.deadLetteredByReason(), sum.skipped(), sum.paused(), lag, sum.writeNanos(), sum.tsdbError());
    }

    /** Members configured but not running now (stopped on an error and not yet replaced). */
    public int stopped() {
        return workers() - running();
    }

    /** Members running now. */
    public synchronized int running() {
        int n = 0;
        for (KafkaFanout m : members) {
            n += m != null && m.isRunning() ? 1 : 0;
        }
        return n;
    }

    public int workers() {
        return members.length;
    }

    /** Members replaced after they stopped on an error. */
    public long restarts() {
        return restarts.get();
    }

    public FanoutConfig config() {
        return config;
    }

    /** Stops every member: each writes what it holds (when the TSDB takes it) and commits. Blocking. */
    @Override
    public void close() {
        supervisor.shutdownNow();
        try {
            supervisor.awaitTermination(5, TimeUnit.SECONDS); // a lag measurement under way ends first
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        groupLag.close();
        KafkaFanout[] stopping;
        synchronized (this) {
            closed = true;
            stopping = members.clone();
        }
        List<Thread> threads = new ArrayList<>();
        for (KafkaFanout m : stopping) {
            if (m != null) {
                threads.add(Thread.ofPlatform().name("sluice-fanout-stop").start(m::close));
            }
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
