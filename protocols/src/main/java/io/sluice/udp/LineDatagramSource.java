package io.sluice.udp;

import io.sluice.ingest.InflightBudget;
import io.sluice.ingest.Ingest;
import io.sluice.udp.internal.LineDatagramHandler;
import io.sluice.udp.internal.UdpSockets;
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
    private UdpSockets sockets;
    private volatile int boundPort = -1;

    public LineDatagramSource(LineDatagramConfig config, Ingest ingest, InflightBudget budget) {
        this.config = config;
        this.ingest = ingest;
        this.budget = budget;
    }

    /** Binds the sockets; returns the bound port. */
    public synchronized int start() throws InterruptedException {
        sockets = UdpSockets.open(config.bindHost(), config.port(), config.sockets(), config.receiveBufferBytes(),
                config.maxDatagramBytes(), new LineDatagramHandler(config, ingest, budget, stats, System::nanoTime));
        int port = sockets.port();
        log.info("line-udp listening on {}:{} with {} socket(s) ({}); plain UDP is at most once: "
                + "datagrams are never acknowledged", config.bindHost(), port, sockets.count(), sockets.transport());
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

    /**
     * Drain: reads no more datagrams, so no new reading is submitted. Datagrams sent meanwhile wait in the kernel's
     * receive buffer until {@link #close}, which drops them. Blocks briefly; not from an event loop.
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
}
