package io.sluice.udp;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.sluice.ingest.InflightBudget;
import io.sluice.ingest.Ingest;
import io.sluice.udp.internal.LineDatagramHandler;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plain InfluxDB line-protocol datagrams (what InfluxDB 1.x's and Telegraf's UDP listeners accept). Each valid
 * line becomes one envelope (protocol "line-udp", QoS 0, topic = measurement, client id = sender ip); a bad line
 * is counted and dropped while the datagram's other lines go on. At most once: nothing is ever acknowledged, but
 * every drop is counted by reason in {@link #stats()}.
 *
 * <p>With epoll, {@code sockets} sockets share the port through SO_REUSEPORT; otherwise one NIO socket.
 * {@link #start()} and {@link #close()} block; call them from lifecycle code, not an event loop.
 */
public final class LineDatagramSource implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LineDatagramSource.class);

    private final LineDatagramConfig config;
    private final Ingest ingest;
    private final InflightBudget budget;
    private final LineDatagramStats stats = new LineDatagramStats();
    private final List<Channel> channels = new ArrayList<>();
    private EventLoopGroup group;
    private volatile int boundPort = -1;

    public LineDatagramSource(LineDatagramConfig config, Ingest ingest, InflightBudget budget) {
        this.config = config;
        this.ingest = ingest;
        this.budget = budget;
    }

    /** Binds the sockets; returns the bound port. */
    public synchronized int start() throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        int n = epoll ? config.sockets() : 1;
        group = new MultiThreadIoEventLoopGroup(n,
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        LineDatagramHandler handler = new LineDatagramHandler(config, ingest, budget, stats, System::nanoTime);
        Bootstrap b = new Bootstrap().group(group)
                .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, config.receiveBufferBytes())
                // one byte more than allowed so an oversized datagram is seen as such, not silently truncated
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(config.maxDatagramBytes() + 1))
                .handler(handler);
        if (epoll) {
            b.option(EpollChannelOption.SO_REUSEPORT, true);
        }
        int port = config.port();
        for (int i = 0; i < n; i++) {
            Channel ch = b.bind(new InetSocketAddress(config.bindHost(), port)).sync().channel();
            channels.add(ch);
            port = ((InetSocketAddress) ch.localAddress()).getPort();
        }
        log.info("line-udp listening on {}:{} with {} socket(s) ({}); plain UDP is at most once: "
                + "datagrams are never acknowledged", config.bindHost(), port, n, epoll ? "epoll" : "nio");
        boundPort = port;
        return port;
    }

    public LineDatagramStats stats() {
        return stats;
    }

    /** The bound UDP port, or -1 before {@link #start()}. */
    public int port() {
        return boundPort;
    }

    @Override
    public synchronized void close() {
        channels.forEach(c -> c.close().syncUninterruptibly());
        channels.clear();
        if (group != null) {
            group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
            group = null;
        }
    }
}
