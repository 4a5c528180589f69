package io.sluice.sim.bench;

import io.sluice.delivery.DeliveryListener;
import io.sluice.delivery.DeliveryLog;
import io.sluice.delivery.Message;
import io.sluice.ingest.Delivery;
import io.sluice.mqtt.DeliveryLimits;
import io.sluice.mqtt.MqttStats;
import io.sluice.mqtt.internal.outbound.Broker;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice-sim bench-delivery-state}: heap the MQTT side of delivery keeps per offline persistent session with
 * one subscription (subscription index and queue) and per message queued for an offline session. Drives the
 * delivery core directly (no sockets, a delivery log that holds nothing), then reports live heap after a full GC.
 * Session ids, filters and messages are made here, so their strings and payloads are counted too.
 */
@Command(name = "bench-delivery-state", mixinStandardHelpOptions = true,
        description = "Heap per offline persistent session with one subscription, and per queued message.")
public final class DeliveryStateBenchCommand implements Callable<Integer> {
    @Option(names = "--sessions", description = "offline persistent sessions, one subscription each (default ${DEFAULT-VALUE})")
    int sessions = 1_000_000;

    @Option(names = "--queued", description = "QoS 1 messages queued for one offline session (default ${DEFAULT-VALUE})")
    int queued = 1_000_000;

    @Option(names = "--remote-sessions", description = "then sessions of other nodes (3 node ids), one subscription"
            + " each, as the sessions follower hands them over (default ${DEFAULT-VALUE})")
    int remoteSessions = 0;

    @Option(names = "--payload-bytes", description = "payload of each queued message (default ${DEFAULT-VALUE})")
    int payloadBytes = 16;

    @Override
    public Integer call() {
        MqttStats stats = new MqttStats();
        Broker broker = new Broker(new NoLog(), "bench", new DeliveryLimits(32, Integer.MAX_VALUE, Long.MAX_VALUE,
                1 << 20), stats, Clock.systemUTC());
        long before = liveHeap();
        long gcBefore = gcMillis();
        long restoreStart = System.nanoTime();
        for (int i = 0; i < sessions; i++) {
            String id = String.format("sensor-%08d", i);
            broker.restore(id, Map.of("cmd/" + id + "/#", 1), Map.of());
        }
        long restoreMillis = (System.nanoTime() - restoreStart) / 1_000_000;
        long restoreGc = gcMillis() - gcBefore;
        long afterSessions = liveHeap();
        System.out.printf("restoring %,d sessions into the delivery index (Broker.restore, as at start-up) took %,d ms"
                + " on one thread, %,d ms of it in garbage collection%n", sessions, restoreMillis, restoreGc);
        broker.restore("reader", Map.of("q/t", 1), Map.of());
        DeliveryListener dispatcher = broker.listener();
        long now = System.currentTimeMillis();
        long t0 = System.nanoTime();
        for (int i = 0; i < queued; i++) {
            byte[] payload = new byte[payloadBytes];
            dispatcher.onMessage(i, new Message("q/t", payload, 1, false, "pub-" + (i % 1000), now, 0, -1, null,
                    null, null, List.of()));
        }
        long dispatchNanos = System.nanoTime() - t0;
        long afterQueued = liveHeap();
        System.out.printf("%,d offline persistent sessions with one subscription (ids of 15 chars, filters of 22):"
                        + " %,d bytes of live heap each, index and queue included%n", sessions,
                (afterSessions - before) / Math.max(1, sessions));
        System.out.printf("%,d QoS 1 messages of %d payload bytes queued for one offline session: %,d bytes each,"
                        + " the message itself included (%,d held)%n", queued, payloadBytes,
                (afterQueued - afterSessions) / Math.max(1, queued), broker.view("reader").queued());
        System.out.printf("dispatching them (match against %,d subscriptions, queue one copy each) took %,d ms on one"
                + " thread: %,.0f messages/s%n", broker.index().size(), dispatchNanos / 1_000_000,
                queued / (dispatchNanos / 1e9));
        if (remoteSessions > 0) {
            benchRemote(broker, afterQueued);
        }
        return broker.view("reader").queued() == queued ? 0 : 1;
    }

    /** Heap per session of another node in the index (Broker.remoteSession), and the publish path's routing. */
    private void benchRemote(Broker broker, long before) {
        String[] nodes = {"node-1", "node-2", "node-3"};
        long t0 = System.nanoTime();
        for (int i = 0; i < remoteSessions; i++) {
            String id = String.format("remote-%08d", i);
            broker.remoteSession(id, nodes[i % nodes.length], i % 2 == 0, Map.of("cmd/" + id + "/#", 1), Map.of());
        }
        long takeMillis = (System.nanoTime() - t0) / 1_000_000;
        long after = liveHeap();
        System.out.printf("%,d sessions of other nodes with one subscription (ids of 15 chars, filters of 22): %,d"
                        + " bytes of live heap each in the delivery index; taken in in %,d ms%n", remoteSessions,
                (after - before) / remoteSessions, takeMillis);
        int rounds = Math.min(remoteSessions, 1_000_000);
        long found = 0;
        long t1 = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            String id = String.format("remote-%08d", i);
            found += broker.index().route("cmd/" + id + "/set", "pub", 1, c -> false, "bench").size();
        }
        long routeNanos = System.nanoTime() - t1;
        System.out.printf("routing %,d messages (one matching session of another node each) took %,d ms: %,.0f"
                + " messages/s, %,d routes%n", rounds, routeNanos / 1_000_000, rounds / (routeNanos / 1e9), found);
    }

    /** Milliseconds the JVM's collectors have spent so far, over all of them. */
    private static long gcMillis() {
        return java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(java.lang.management.GarbageCollectorMXBean::getCollectionTime).filter(t -> t > 0).sum();
    }

    private static long liveHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Holds nothing: the bench measures the MQTT side only. */
    private static final class NoLog implements DeliveryLog {
        @Override
        public CompletionStage<Delivery> appendRoutes(Message message, java.util.List<io.sluice.delivery.Route> routes) {
            return CompletableFuture.completedFuture(Delivery.DELIVERED);
        }

        @Override
        public CompletionStage<Delivery> retain(Message message) {
            return CompletableFuture.completedFuture(Delivery.DELIVERED);
        }

        @Override
        public void start(DeliveryListener listener) {
        }

        @Override
        public void commit(long position) {
        }

        @Override
        public void close() {
        }
    }
}
