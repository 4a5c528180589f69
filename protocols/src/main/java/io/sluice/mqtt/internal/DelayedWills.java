package io.sluice.mqtt.internal;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.mqtt.MqttStats;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * MQTT 5 will messages waiting out their Will Delay Interval: published when the delay ends or the session ends,
 * whichever comes first (the connection schedules the shorter of the two), and never when the client reconnects to
 * its session within it [MQTT-3.1.3-9]. A new connection with Clean Start ends the old session: its will is published
 * at once.
 *
 * <p>Bound: at most one per client id, and only sessions with an expiry have a delay, so at most
 * {@code mqtt.max_persistent_sessions} wills wait, each holding its topic and payload (at most
 * {@code mqtt.max_packet_size_bytes}). Held in memory only: a node that stops or crashes meanwhile never publishes them.
 *
 * <p>Threading: any thread. The publish action runs on the event loop it was scheduled on.
 */
final class DelayedWills {
    private final MqttStats stats;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();

    private static final class Pending {
        final EventExecutor loop;
        final Runnable publish;
        ScheduledFuture<?> timer;

        Pending(EventExecutor loop, Runnable publish) {
            this.loop = loop;
            this.publish = publish;
        }
    }

    DelayedWills(MqttStats stats) {
        this.stats = stats;
    }

    /** Publishes {@code publish} on {@code loop} after {@code delayMillis}, unless the client id comes back first. */
    void schedule(String clientId, EventExecutor loop, long delayMillis, Runnable publish) {
        Pending p = new Pending(loop, publish);
        Pending older = pending.put(clientId, p);
        if (older != null) {
            fire(older); // cannot happen with one connection per client id; if it does, the older will is not lost
        }
        try {
            p.timer = loop.schedule(() -> {
                if (pending.remove(clientId, p)) {
                    p.publish.run();
                }
            }, delayMillis, TimeUnit.MILLISECONDS);
            stats.count("will_delayed");
        } catch (RejectedExecutionException e) {
            pending.remove(clientId, p); // shutting down: nothing is published any more
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
            fire(p);
        } else {
            stats.count("will_cancelled_by_reconnect");
        }
    }

    private static void fire(Pending p) {
        if (p.timer != null) {
            p.timer.cancel(false);
        }
        try {
            p.loop.execute(p.publish);
        } catch (RejectedExecutionException e) {
            // shutting down
        }
    }

    /** Wills waiting now. */
    int size() {
        return pending.size();
    }
}
