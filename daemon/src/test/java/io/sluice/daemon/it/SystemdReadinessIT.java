package io.sluice.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unit's Type=notify: `sluice run` tells systemd READY=1 once the MQTT listener is open (not before) and
 * STOPPING=1 when it starts draining. A unix datagram socket stands where systemd's NOTIFY_SOCKET would be.
 */
class SystemdReadinessIT {

    @Test
    void readyOnlyOnceListening_thenStoppingOnSigterm(@TempDir Path dir) throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll transport (Linux) needed");
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        String socket = dir.resolve("notify").toString();
        try {
            Channel listener = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                    .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket p) {
                            got.add(p.content().toString(StandardCharsets.UTF_8));
                        }
                    }).bind(new DomainSocketAddress(socket)).sync().channel();
            TestKafka kafka = TestKafka.shared();
            int port = DaemonProcess.freePort();
            try (DaemonProcess daemon = new DaemonProcess(dir, kafka.daemonYaml("notify", port), port, List.of())
                    .env("NOTIFY_SOCKET", socket)) {
                daemon.start();
                String ready = got.poll(60, TimeUnit.SECONDS);
                assertNotNull(ready, "READY=1 within 60 s:\n" + daemon.log());
                assertTrue(ready.startsWith("READY=1\n"), ready);
                assertTrue(ready.contains("MAINPID=" + daemon.pid()), ready);
                // readiness means the listener is open: a client connects at once
                try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                    assertTrue(s.isConnected());
                }
                assertEquals(0, daemon.terminate(Duration.ofSeconds(60)), daemon.log());
                String stopping = got.poll(10, TimeUnit.SECONDS);
                assertNotNull(stopping, "STOPPING=1 on SIGTERM");
                assertTrue(stopping.startsWith("STOPPING=1"), stopping);
            } finally {
                listener.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
