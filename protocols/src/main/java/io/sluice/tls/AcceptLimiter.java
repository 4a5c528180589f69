package io.sluice.tls;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.sluice.ingest.EventCounters;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses connections from one source address that opens them too fast (a token bucket per address) or holds too
 * many at once, at accept time: installed on the listening socket's pipeline, it sees each accepted channel before
 * it is registered with an event loop, so a refused connection costs a close and nothing else: no TLS handshake, no
 * MQTT decoder, no buffer. Refusals are counted as {@code connection_rate_per_source_exceeded} and
 * {@code connections_per_source_exceeded}, with at most one log line per address per second.
 *
 * <p>Threading: {@link #channelRead} runs on the acceptor's event loop (one may serve several listeners sharing this
 * limiter); releases run on the connections' event loops when they close. State per address is a small object
 * guarded by its own lock; the table is bounded by {@link SourceLimits#maxTrackedSources()} and swept of idle
 * entries (no open connection, bucket full again).
 */
@ChannelHandler.Sharable
public final class AcceptLimiter extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(AcceptLimiter.class);
    private static final long SECOND = 1_000_000_000L;

    private final SourceLimits limits;
    private final EventCounters events;
    private final LongSupplier nanoTime;
    private final Map<InetAddress, Source> sources = new ConcurrentHashMap<>();
    private final java.util.List<io.sluice.udp.internal.Cidr> exempt;
    /** When the table was last swept; sweeps cost O(table), so at most one a second, and one every 10 s anyway. */
    private volatile long sweptAt;

    public AcceptLimiter(SourceLimits limits, EventCounters events) {
        this(limits, events, System::nanoTime);
    }

    AcceptLimiter(SourceLimits limits, EventCounters events, LongSupplier nanoTime) {
        this.limits = limits;
        this.events = events;
        this.nanoTime = nanoTime;
        this.exempt = limits.exempt().stream().map(io.sluice.udp.internal.Cidr::parse).toList();
        this.sweptAt = nanoTime.getAsLong();
    }

    /** One address's bucket and open connections. */
    private static final class Source {
        double tokens;
        long refilledAt;
        int open;
        long loggedAt;

        Source(double tokens, long now) {
            this.tokens = tokens;
            this.refilledAt = now;
            this.loggedAt = now - SECOND;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Channel child && child.remoteAddress() instanceof InetSocketAddress remote
                && !admit(remote.getAddress(), child)) {
            child.unsafe().closeForcibly();
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * Takes a token and an open slot for {@code address}; false (and counted) when either is exhausted. When it
     * returns true and {@code child} is given, it holds the slot until {@code child} closes ({@code null}: a token
     * only).
     */
    boolean admit(InetAddress address, Channel child) {
        if (!limits.enabled() || isExempt(address)) {
            return true;
        }
        long now = nanoTime.getAsLong();
        if (now - sweptAt > 10 * SECOND) {
            sweep(now);
        }
        Source s = sources.get(address);
        if (s == null) {
            if (sources.size() >= limits.maxTrackedSources() && now - sweptAt > SECOND) {
                sweep(now);
            }
            if (sources.size() >= limits.maxTrackedSources()) {
                events.count("source_table_full");
                return true; // never refuse a newcomer for others' sake; its connections are still counted globally
            }
            s = sources.computeIfAbsent(address, a -> new Source(limits.burst(), now));
        }
        String refusal;
        synchronized (s) {
            refill(s, now);
            if (limits.maxPerSource() > 0 && s.open >= limits.maxPerSource()) {
                refusal = "connections_per_source_exceeded";
            } else if (limits.ratePerSecond() > 0 && s.tokens < 1) {
                refusal = "connection_rate_per_source_exceeded";
            } else {
                if (limits.ratePerSecond() > 0) {
                    s.tokens -= 1;
                }
                if (child != null) {
                    s.open++;
                }
                refusal = null;
            }
            if (refusal != null) {
                events.count(refusal);
                if (now - s.loggedAt >= SECOND) {
                    s.loggedAt = now;
                    LOG.warn("Refusing connections from {} at accept: {} ({} open, mqtt.connection_rate_per_source {}"
                                    + "/s, burst {}, mqtt.max_connections_per_source {}); at most one line a second",
                            address.getHostAddress(), refusal, s.open, limits.ratePerSecond(), limits.burst(),
                            limits.maxPerSource());
                }
            }
        }
        if (refusal != null) {
            return false;
        }
        if (child != null) {
            Source held = s;
            child.closeFuture().addListener(f -> release(held));
        }
        return true;
    }

    private boolean isExempt(InetAddress address) {
        for (io.sluice.udp.internal.Cidr c : exempt) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private static void release(Source s) {
        synchronized (s) {
            s.open--;
        }
    }

    private void refill(Source s, long now) {
        if (limits.ratePerSecond() > 0) {
            double add = (now - s.refilledAt) * (double) limits.ratePerSecond() / SECOND;
            s.tokens = Math.min(limits.burst(), s.tokens + add);
        }
        s.refilledAt = now;
    }

    /** Drops addresses with nothing open whose bucket is full again: forgetting them changes nothing. */
    private void sweep(long now) {
        sweptAt = now;
        for (Iterator<Source> it = sources.values().iterator(); it.hasNext(); ) {
            Source s = it.next();
            synchronized (s) {
                refill(s, now);
                if (s.open == 0 && (limits.ratePerSecond() == 0 || s.tokens >= limits.burst())) {
                    it.remove();
                }
            }
        }
    }

    /** Addresses tracked now (for status and tests). */
    public int trackedSources() {
        return sources.size();
    }

    /** Connections open from {@code address} as this limiter counts them. */
    int open(InetAddress address) {
        Source s = sources.get(address);
        if (s == null) {
            return 0;
        }
        synchronized (s) {
            return s.open;
        }
    }
}
