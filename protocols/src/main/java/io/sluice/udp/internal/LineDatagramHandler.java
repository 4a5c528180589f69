package io.sluice.udp.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.sluice.ingest.Envelope;
import io.sluice.ingest.InflightBudget;
import io.sluice.ingest.Ingest;
import io.sluice.ingest.Protocols;
import io.sluice.udp.LineDatagramConfig;
import io.sluice.udp.LineDatagramStats;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thin shim: checks the sender and size, splits a datagram into lines, submits each valid line as one envelope.
 * Shared by every socket of a source; runs on event loops and never blocks.
 */
@ChannelHandler.Sharable
public final class LineDatagramHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    private static final Logger log = LoggerFactory.getLogger(LineDatagramHandler.class);

    private final LineDatagramConfig config;
    private final Ingest ingest;
    private final InflightBudget budget;
    private final LineDatagramStats stats;
    private final DatagramGuard guard;

    public LineDatagramHandler(LineDatagramConfig config, Ingest ingest, InflightBudget budget,
                               LineDatagramStats stats, LongSupplier nanoClock) {
        this.config = config;
        this.ingest = ingest;
        this.budget = budget;
        this.stats = stats;
        this.guard = new DatagramGuard(config.allowedSources(), config.maxDatagramBytes(), config.ratePerSecond(),
                config.burst(), nanoClock);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        stats.datagrams.increment();
        InetSocketAddress sender = packet.sender();
        InetAddress ip = sender.getAddress();
        ByteBuf buf = packet.content();
        String refused = guard.check(ip, buf.readableBytes());
        if (refused != null) {
            drop(refused, sender);
            return;
        }
        byte[] bytes = ByteBufUtil.getBytes(buf);
        String clientId = ip.getHostAddress();
        String source = clientId + ":" + sender.getPort();
        long now = System.currentTimeMillis() * 1_000_000L;
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                int end = i;
                if (end > start && bytes[end - 1] == '\r') {
                    end--;
                }
                line(bytes, start, end, clientId, source, now);
                start = i + 1;
            }
        }
    }

    private void line(byte[] bytes, int from, int to, String clientId, String source, long now) {
        if (to <= from || bytes[from] == '#') {
            return; // blank lines and comments are not readings
        }
        String measurement = LineProtocol.measurement(bytes, from, to);
        if (measurement == null) {
            stats.count("malformed_line");
            return;
        }
        Envelope e = new Envelope(clientId, measurement, Arrays.copyOfRange(bytes, from, to), Protocols.LINE_UDP,
                null, 0, now, null, List.of(), source);
        int weight = e.weightBytes();
        if (!budget.tryAcquire(weight)) {
            stats.count("budget_spent");
            return;
        }
        stats.linesSubmitted.increment();
        ingest.submit(e).whenComplete((d, t) -> {
            budget.release(weight);
            if (t != null || d == null || !d.delivered()) {
                stats.deliveryFailures.increment();
            }
        });
    }

    private void drop(String reason, InetSocketAddress sender) {
        stats.count(reason);
        if (log.isDebugEnabled()) {
            log.debug("line-udp datagram from {} dropped: {}", sender, reason);
        }
    }
}
