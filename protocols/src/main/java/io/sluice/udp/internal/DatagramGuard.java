package io.sluice.udp.internal;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The checks every datagram passes before it is parsed: allowed source networks, maximum size, and a per-source
 * token-bucket rate limit. Shared by every socket of a listener; thread-safe and non-blocking.
 */
public final class DatagramGuard {
    /** Sources tracked by the rate limiter before it starts over, so spoofed senders cannot grow its memory. */
    static final int MAX_TRACKED_SOURCES = 100_000;

    private final List<Cidr> allowed;
    private final int maxDatagramBytes;
    private final double ratePerSecond;
    private final int burst;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<InetAddress, TokenBucket> buckets = new ConcurrentHashMap<>();

    /**
     * @param allowedSources   CIDR list; empty allows every source
     * @param maxDatagramBytes larger datagrams are refused
     * @param ratePerSecond    per-source datagrams per second; 0 disables the limit
     * @param burst            per-source bucket depth in datagrams (at least 1 when limiting)
     */
    public DatagramGuard(List<String> allowedSources, int maxDatagramBytes, double ratePerSecond, int burst,
                         LongSupplier nanoClock) {
        this.allowed = allowedSources.stream().map(Cidr::parse).toList();
        this.maxDatagramBytes = maxDatagramBytes;
        this.ratePerSecond = ratePerSecond;
        this.burst = Math.max(1, burst);
        this.nanoClock = nanoClock;
    }

    /** Null when the datagram may go on; otherwise the drop reason: not_allowed, too_large or rate_limited. */
    public String check(InetAddress source, int bytes) {
        if (!allowed.isEmpty() && allowed.stream().noneMatch(c -> c.contains(source))) {
            return "not_allowed";
        }
        if (bytes > maxDatagramBytes) {
            return "too_large";
        }
        if (ratePerSecond > 0) {
            if (buckets.size() >= MAX_TRACKED_SOURCES && !buckets.containsKey(source)) {
                buckets.clear(); // bound memory; limits restart with full buckets
            }
            long now = nanoClock.getAsLong();
            if (!buckets.computeIfAbsent(source, a -> new TokenBucket(ratePerSecond, burst, now)).tryTake(now)) {
                return "rate_limited";
            }
        }
        return null;
    }

    /** Per-source token bucket; a source's datagrams arrive on one socket so contention is rare. */
    static final class TokenBucket {
        private final double perNano;
        private final double depth;
        private double tokens;
        private long last;

        TokenBucket(double perSecond, double depth, long now) {
            this.perNano = perSecond / 1e9;
            this.depth = depth;
            this.tokens = depth;
            this.last = now;
        }

        synchronized boolean tryTake(long now) {
            tokens = Math.min(depth, tokens + (now - last) * perNano);
            last = now;
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }
    }
}
