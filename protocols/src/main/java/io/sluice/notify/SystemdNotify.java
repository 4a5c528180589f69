package io.sluice.notify;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The systemd notification protocol ({@code sd_notify}) without native code of our own: one datagram to the unix
 * socket named by {@code NOTIFY_SOCKET}, through Netty's epoll transport. Does nothing outside systemd (no
 * {@code NOTIFY_SOCKET}); never throws: readiness reporting must not stop the daemon.
 */
public final class SystemdNotify {
    private static final Logger LOG = LoggerFactory.getLogger(SystemdNotify.class);

    private SystemdNotify() {
    }

    /** Sends {@code state} (e.g. {@code READY=1}); true when it was sent. */
    public static boolean send(String state) {
        return send(System.getenv("NOTIFY_SOCKET"), state);
    }

    public static boolean send(String socket, String state) {
        if (socket == null || socket.isEmpty()) {
            return false;
        }
        if (!Epoll.isAvailable()) {
            LOG.warn("NOTIFY_SOCKET is set but the epoll transport is unavailable: cannot tell systemd '{}'", state);
            return false;
        }
        // '@' names a socket in the abstract namespace, written with a leading NUL
        String path = socket.startsWith("@") ? "\0" + socket.substring(1) : socket;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            Channel ch = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                    .handler(new ChannelInboundHandlerAdapter()).bind(new DomainSocketAddress(unusedPath()))
                    .sync().channel();
            try {
                ch.writeAndFlush(new DomainDatagramPacket(Unpooled.copiedBuffer(state, StandardCharsets.UTF_8),
                        new DomainSocketAddress(path))).sync();
            } finally {
                ch.close().sync();
            }
            return true;
        } catch (Exception e) {
            LOG.warn("Cannot tell systemd '{}' through {}: {}", state, socket, e.toString());
            return false;
        } catch (Throwable t) {
            LOG.warn("Cannot tell systemd '{}' through {}: {}", state, socket, t.toString());
            return false;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** An abstract-namespace name of our own to send from (leaves no file behind). */
    private static String unusedPath() {
        return "\0sluice-notify-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    }
}
