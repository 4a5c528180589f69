package io.sluice.mqtt.internal;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.ingest.SessionStore;
import io.sluice.mqtt.MqttStats;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MQTT 5 will messages waiting out their Will Delay Interval: published when the delay ends or the session ends,
 * whichever comes first (the connection schedules the shorter of the two), and never when the client reconnects to
 * its session within it [MQTT-3.1.3-9]. A new connection with Clean Start ends the old session: its will is published
 * at once.
 *
 * <p>Each waiting will is also kept in the sessions topic ({@link StoredWill}, a key of its own per client id):
 * written when it starts waiting, deleted when it is published or cancelled. A node that restarts within the delay
 * reads it back ({@link #rearm}) and publishes it when it is due, at once when it is overdue or its session is gone; a
 * reconnect within the rest of the delay still cancels it. A failed write is counted ({@code will_record_failed}) and
 * logged once until a write succeeds again; the will still waits here, so only a restart meanwhile loses it.
 *
 * <p>Bound: at most one per client id, and only sessions with an expiry have a delay, so at most
 * {@code mqtt.max_persistent_sessions} wills wait, each holding its topic and payload (at most
 * {@code mqtt.max_packet_size_bytes}), in memory and in the sessions topic alike.
 *
 * <p>Threading: any thread. The publish action runs on the event loop it was scheduled on; store writes never block.
 */
final class DelayedWills {
    private static final Logger LOG = LoggerFactory.getLogger(DelayedWills.class);

    private final MqttStats stats;
    /** Where waiting wills are kept across a restart; null keeps them in memory only. */
    private final SessionStore store;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicBoolean failing = new AtomicBoolean();

    private static final class Pending {
        final EventExecutor loop;
        final Runnable publish;
        /** True when the sessions topic may hold this will: its end deletes it there. */
        final boolean stored;
        ScheduledFuture<?> timer;

        Pending(EventExecutor loop, Runnable publish, boolean stored) {
            this.loop = loop;
            this.publish = publish;
            this.stored = stored;
        }
    }

    DelayedWills(MqttStats stats) {
        this(stats, null);
    }

    DelayedWills(MqttStats stats, SessionStore store) {
        this.stats = stats;
        this.store = store;
    }

    /** Publishes {@code publish} on {@code loop} after {@code delayMillis}, unless the client id comes back first. */
    void schedule(String clientId, EventExecutor loop, long delayMillis, Runnable publish) {
        schedule(clientId, loop, delayMillis, null, publish);
    }

    /**
     * As {@link #schedule(String, EventExecutor, long, Runnable)}, keeping {@code record} in the sessions topic while
     * the will waits (when there is a store and {@code record} is not null).
     */
    void schedule(String clientId, EventExecutor loop, long delayMillis, StoredWill record, Runnable publish) {
        boolean stored = store != null && record != null;
        if (stored) {
            write(clientId, record);
        }
        if (arm(clientId, loop, delayMillis, publish, stored)) {
            stats.count("will_delayed");
        }
    }

    /** Schedules the will; false when {@code loop} is shutting down (then it is not armed here). */
    private boolean arm(String clientId, EventExecutor loop, long delayMillis, Runnable publish, boolean stored) {
        Pending p = new Pending(loop, publish, stored);
        Pending older = pending.put(clientId, p);
        if (older != null) {
            // cannot happen with one connection per client id; if it does, the older will is not lost (its record is
            // replaced by the newer one's, or deleted when the newer one is not kept)
            fire(clientId, older, !stored);
        }
        try {
            p.timer = loop.schedule(() -> {
                if (pending.remove(clientId, p)) {
                    p.publish.run();
                    forget(clientId, p);
                }
            }, delayMillis, TimeUnit.MILLISECONDS);
            return true;
        } catch (RejectedExecutionException e) {
            pending.remove(clientId, p); // shutting down: nothing is published any more; the record stays for the next run
            return false;
        }
    }

    /**
     * The client id connected again: resuming its session ({@code cleanStart} false) cancels its waiting will; a
     * clean start ends the old session, so the will is published now.
     */
    void onConnect(String clientId, boolean cleanStart) {
        Pending p = pending.remove(clientId);
        if (p == null) {
            return;
        }
        if (p.timer != null) {
            p.timer.cancel(false);
        }
        if (cleanStart) {
            fire(clientId, p, true);
        } else {
            stats.count("will_cancelled_by_reconnect");
            forget(clientId, p);
        }
    }

    /**
     * Re-arms the wills a node read from the sessions topic at start-up ({@code stored}, by client id): each one whose
     * time has come by {@code clock}, or whose session is gone ({@code sessionExists} false: it expired or ended, and a
     * will is published at the latest when its session ends), is published at once; the others wait for the rest of
     * their delay on one of {@code loops}. {@code publish} publishes a will of a client id; it runs on that loop.
     * Returns how many were published at once. Call before the listeners bind, so a reconnect finds them waiting.
     */
    int rearm(Map<String, StoredWill> stored, EventExecutorGroup loops, Clock clock,
              Predicate<String> sessionExists, BiConsumer<String, StoredWill> publish) {
        long now = clock.millis();
        int overdue = 0;
        for (Map.Entry<String, StoredWill> e : stored.entrySet()) {
            String id = e.getKey();
            StoredWill w = e.getValue();
            long rest = sessionExists.test(id) ? w.dueAtMillis() - now : 0;
            Runnable action = () -> publish.accept(id, w);
            if (rest <= 0) {
                overdue++;
                fire(id, new Pending(loops.next(), action, store != null), true);
            } else {
                arm(id, loops.next(), rest, action, store != null);
            }
        }
        if (!stored.isEmpty()) {
            LOG.info("Restored {} delayed will(s) from the sessions topic: {} published now (due or session ended),"
                    + " {} waiting for the rest of their delay", stored.size(), overdue, stored.size() - overdue);
        }
        return overdue;
    }

    /** Publishes {@code p} now on its loop; its record is deleted after the publish when {@code delete}. */
    private void fire(String clientId, Pending p, boolean delete) {
        if (p.timer != null) {
            p.timer.cancel(false);
        }
        try {
            p.loop.execute(() -> {
                p.publish.run();
                if (delete) {
                    forget(clientId, p);
                }
            });
        } catch (RejectedExecutionException e) {
            // shutting down: the record stays for the next run
        }
    }

    private void write(String clientId, StoredWill record) {
        CompletionStage<Void> w;
        try {
            w = store.put(StoredWill.key(clientId), record.encode());
        } catch (RuntimeException e) {
            w = CompletableFuture.failedFuture(e);
        }
        w.whenComplete((v, err) -> {
            if (err == null) {
                if (failing.compareAndSet(true, false)) {
                    LOG.info("Delayed wills are written to the sessions topic again");
                }
                return;
            }
            stats.count("will_record_failed");
            if (failing.compareAndSet(false, true)) {
                LOG.warn("Could not write the delayed will of '{}' to the sessions topic; it still waits on this node"
                        + " but a restart within its delay loses it [will_record_failed]: {} (logged once until a"
                        + " write succeeds)", clientId, err.toString());
            }
        });
    }

    /** The will of {@code p} was published or cancelled: its record, if it may have one, is deleted. */
    private void forget(String clientId, Pending p) {
        if (!p.stored || pending.containsKey(clientId)) {
            return; // kept in memory only, or a newer will of this client id has its record under the same key now
        }
        CompletionStage<Void> w;
        try {
            w = store.remove(StoredWill.key(clientId));
        } catch (RuntimeException e) {
            w = CompletableFuture.failedFuture(e);
        }
        w.exceptionally(err -> {
            stats.count("will_record_failed");
            LOG.debug("Could not delete the delayed will of '{}': {}", clientId, err.toString());
            return null;
        });
    }

    /** Wills waiting now. */
    int size() {
        return pending.size();
    }
}
