package io.sluice.udp;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.sluice.ingest.InflightBudget;
import io.sluice.ingest.Ingest;
import io.sluice.udp.internal.DatagramGuard;
import io.sluice.udp.internal.MqttSnCore;
import io.sluice.udp.internal.UdpSockets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MQTT-SN 1.2 gateway on one UDP socket. QoS 1 PUBACKs are sent only once the reading's delivery completed as
 * DELIVERED; a spent in-flight budget answers "rejected: congestion" (0x01). WILL is refused with "not supported".
 * Client state is kept by client id, bounded by {@link MqttSnLimits}, and forgotten after {@code clientIdleMs} of
 * silence (swept once a second).
 *
 * <p>{@link #start()} and {@link #close()} block; call them from lifecycle code, not an event loop.
 */
public final class MqttSnGateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MqttSnGateway.class);

    private final MqttSnConfig config;
    private final MqttSnStats stats = new MqttSnStats();
    private final MqttSnCore core;
    private final DatagramGuard guard;
    private UdpSockets sockets;
    private volatile int boundPort = -1;

    public MqttSnGateway(MqttSnConfig config, Ingest ingest, InflightBudget budget) {
        this.config = config;
        this.core = new MqttSnCore(config, ingest, budget, stats, System::currentTimeMillis);
        this.guard = new DatagramGuard(config.allowedSources(), config.maxDatagramBytes(), config.ratePerSecond(),
                config.burst(), System::nanoTime);
    }

    /** Binds the socket; returns the bound port. */
    public synchronized int start() throws InterruptedException {
        sockets = UdpSockets.open(config.bindHost(), config.port(), config.sockets(), config.receiveBufferBytes(),
                config.maxDatagramBytes(), new Handler());
        int port = sockets.port();
        sockets.first().eventLoop().scheduleAtFixedRate(core::expireIdle, 1, 1, TimeUnit.SECONDS);
        log.info("mqtt-sn gateway listening on {}:{} with {} socket(s) ({}); QoS 1 is acknowledged only after the"
                + " log holds it, QoS -1 and 0 are at most once", config.bindHost(), port, sockets.count(), sockets.transport());
        boundPort = port;
        return port;
    }

    public MqttSnStats stats() {
        return stats;
    }

    /** Clients whose state is held (connected or sleeping, not yet expired). */
    public int clients() {
        return core.clientCount();
    }

    /** The bound UDP port, or -1 before {@link #start()}. */
    public int port() {
        return boundPort;
    }

    /**
     * Drain: reads no more datagrams, so no new reading is submitted; readings already submitted still get their
     * PUBACK. Datagrams sent meanwhile wait in the kernel's receive buffer until {@link #close}, which drops them.
     * Blocks briefly; not from an event loop.
     */
    public synchronized void stopReading() {
        if (sockets != null) {
            sockets.stopReading();
        }
    }

    @Override
    public synchronized void close() {
        if (sockets != null) {
            sockets.close();
            sockets = null;
        }
    }

    /** Shared by every socket of the gateway. */
    @ChannelHandler.Sharable
    private final class Handler extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
            String refused = guard.check(p.sender().getAddress(), p.content().readableBytes());
            if (refused != null) {
                stats.datagrams.increment();
                stats.count(refused);
                return;
            }
            Channel ch = ctx.channel();
            core.onDatagram(ByteBufUtil.getBytes(p.content()), p.sender(), (to, bytes) ->
                    ch.eventLoop().execute(() ->
                            ch.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(bytes), to))));
        }
    }
}
