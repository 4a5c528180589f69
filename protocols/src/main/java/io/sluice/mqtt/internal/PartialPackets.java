package io.sluice.mqtt.internal;

import io.sluice.mqtt.MqttStats;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The global bound on bytes held in started-but-incomplete packets ({@code mqtt.max_partial_packet_bytes}), across
 * every connection of one listener. Each connection's {@link ReadDeadlines} reports how many bytes of its current
 * packet have arrived; when the total is over the cap, a connection holding part of a packet stops reading once
 * its read is done and waits here, and every waiting connection reads again once the total is back under the cap
 * (complete packets and other connections release bytes). Its packet arrival deadline keeps running meanwhile, so
 * a slow-loris socket is still closed in time. Connections without a partial packet are never stopped.
 *
 * <p>So at most the cap, plus one socket read (Netty reads at most 64 KiB at a time) for each connection that was
 * reading when the cap was crossed, is held in incomplete packets. Thread-safe; waiters are resumed on their own
 * event loops.
 */
final class PartialPackets {
    /** A connection stopped by the cap. */
    interface Waiter {
        /** Reads may resume; called on any thread, so it re-dispatches to its event loop. */
        void capFreed();
    }

    private final long capBytes;
    private final AtomicLong held;
    private final Set<Waiter> waiting = ConcurrentHashMap.newKeySet();

    PartialPackets(long capBytes, MqttStats stats) {
        this.capBytes = capBytes;
        this.held = stats.partialPacketBytes;
    }

    /** Adds {@code delta} (negative to release) and returns the total; a release that ends an excess frees waiters. */
    long add(long delta) {
        if (delta == 0) {
            return held.get();
        }
        long total = held.addAndGet(delta);
        if (delta < 0 && total <= capBytes && !waiting.isEmpty()) {
            freeWaiters();
        }
        return total;
    }

    boolean overCap(long total) {
        return total > capBytes;
    }

    /** Parks {@code w} until the total is back under the cap (at once if it already is). */
    void await(Waiter w) {
        waiting.add(w);
        if (held.get() <= capBytes) {
            freeWaiters(); // the bytes fell between the check and the add
        }
    }

    /** {@code w} no longer waits (its connection closed). */
    void forget(Waiter w) {
        waiting.remove(w);
    }

    long heldBytes() {
        return held.get();
    }

    private void freeWaiters() {
        for (Waiter w : waiting) {
            if (waiting.remove(w)) {
                w.capFreed();
            }
        }
    }
}
