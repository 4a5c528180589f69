package io.sluice.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sd_notify against a real unix datagram socket standing where systemd's would be. */
class SystemdNotifyTest {

    private static String receiveOne(String bindPath, String notifySocket, String state) throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll transport (Linux) needed");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        try {
            Channel listener = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                    .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket p) {
                            got.add(p.content().toString(StandardCharsets.UTF_8));
                        }
                    }).bind(new DomainSocketAddress(bindPath)).sync().channel();
            try {
                assertTrue(SystemdNotify.send(notifySocket, state));
                String message = got.poll(10, TimeUnit.SECONDS);
                return message;
            } finally {
                listener.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void readyIsSent_toASocketPath() throws Exception {
        String path = dir.resolve("notify").toString();
        assertEquals("READY=1\nSTATUS=ready", receiveOne(path, path, "READY=1\nSTATUS=ready"));
    }

    @Test
    void readyIsSent_toAnAbstractSocket() throws Exception {
        String name = "sluice-test-" + System.nanoTime();
        assertEquals("READY=1", receiveOne("\0" + name, "@" + name, "READY=1"));
    }

    @Test
    void withoutNotifySocket_nothingIsSent_andNothingFails() {
        assertFalse(SystemdNotify.send(null, "READY=1"));
        assertFalse(SystemdNotify.send("", "READY=1"));
    }

    @Test
    void aSocketNobodyListensOn_isReportedNotThrown() {
        assumeTrue(Epoll.isAvailable());
        assertFalse(SystemdNotify.send(dir.resolve("nobody").toString(), "READY=1"));
    }

    @TempDir
    Path dir;
}
