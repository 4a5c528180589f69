package io.sluice.sim.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.LongAdder;

/**
 * The baseline for {@code bench-udp}: a plain Netty epoll UDP receiver that only counts datagrams, with the same
 * sockets (SO_REUSEPORT), receive buffer and read-buffer size as Sluice's line-protocol listener. Run as its own
 * JVM: {@code PlainUdpReceiver PORT SOCKETS RCVBUF COUNT_FILE}; writes its count to COUNT_FILE every 50 ms.
 */
public final class PlainUdpReceiver {
    private PlainUdpReceiver() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int sockets = Integer.parseInt(args[1]);
        int rcvbuf = Integer.parseInt(args[2]);
        Path countFile = Path.of(args[3]);
        LongAdder count = new LongAdder();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(sockets, EpollIoHandler.newFactory());
        Bootstrap b = new Bootstrap().group(group).channel(EpollDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, rcvbuf)
                .option(EpollChannelOption.SO_REUSEPORT, true)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(65_508))
                .handler(new Counter(count));
        for (int i = 0; i < sockets; i++) {
            b.bind(new InetSocketAddress("127.0.0.1", port)).sync();
        }
        System.out.println("listening");
        while (true) {
            Path tmp = countFile.resolveSibling(countFile.getFileName() + ".tmp");
            Files.writeString(tmp, Long.toString(count.sum()));
            Files.move(tmp, countFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Thread.sleep(50); // publishes the count for the benchmark driver
        }
    }

    @ChannelHandler.Sharable
    private static final class Counter extends SimpleChannelInboundHandler<DatagramPacket> {
        private final LongAdder count;

        Counter(LongAdder count) {
            this.count = count;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
            count.increment();
        }
    }
}
