package io.sluice.udp.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
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
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The UDP sockets of one listener: with epoll, {@code sockets} sockets share the port through SO_REUSEPORT, one
 * event-loop thread each; otherwise one NIO socket. Reads one byte more than {@code maxDatagramBytes}, so an
 * oversized datagram is seen as such, never silently truncated. {@link #open} and {@link #close} block.
 */
public final class UdpSockets implements AutoCloseable {
    private final EventLoopGroup group;
    private final List<Channel> channels;
    private final int port;
    private final boolean epoll;

    private UdpSockets(EventLoopGroup group, List<Channel> channels, int port, boolean epoll) {
        this.group = group;
        this.channels = channels;
        this.port = port;
        this.epoll = epoll;
    }

    /** Binds the sockets with {@code handler} (which must be sharable when more than one socket is bound). */
    public static UdpSockets open(String host, int port, int sockets, int receiveBufferBytes, int maxDatagramBytes,
                                  ChannelHandler handler) throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        int n = epoll ? sockets : 1;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(n,
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Bootstrap b = new Bootstrap().group(group)
                .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, receiveBufferBytes)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(maxDatagramBytes + 1))
                .handler(handler);
        if (epoll) {
            b.option(EpollChannelOption.SO_REUSEPORT, true);
        }
        List<Channel> channels = new ArrayList<>(n);
        int bound = port;
        try {
            for (int i = 0; i < n; i++) {
                Channel ch = b.bind(new InetSocketAddress(host, bound)).sync().channel();
                channels.add(ch);
                bound = ((InetSocketAddress) ch.localAddress()).getPort();
            }
        } catch (InterruptedException | RuntimeException e) {
            new UdpSockets(group, channels, bound, epoll).close();
            throw e;
        }
        return new UdpSockets(group, channels, bound, epoll);
    }

    public int port() {
        return port;
    }

    public int count() {
        return channels.size();
    }

    /** "epoll" or "nio". */
    public String transport() {
        return epoll ? "epoll" : "nio";
    }

    /** The first socket, e.g. to schedule periodic work on its event loop. */
    public Channel first() {
        return channels.get(0);
    }

    /**
     * Stops reading every socket for good (a drain): datagrams wait in the kernel's receive buffer, which drops what
     * overflows it, until the sockets close. Replies can still be sent. Blocks until each socket's event loop has
     * applied it (set from another thread, epoll would still read the next datagram); not from an event loop.
     */
    public void stopReading() {
        for (Channel c : channels) {
            c.eventLoop().submit(() -> c.config().setAutoRead(false)).syncUninterruptibly();
        }
    }

    @Override
    public void close() {
        channels.forEach(c -> c.close().syncUninterruptibly());
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
