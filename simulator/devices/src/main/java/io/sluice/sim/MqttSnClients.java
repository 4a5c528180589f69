package io.sluice.sim;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The I/O behind many {@link MqttSnClient}s (plain java.nio, no Netty): one thread reads every client's UDP socket
 * through a selector and hands each datagram to its client; one timer thread retransmits what was not answered
 * within {@code retryMillis} (with DUP set on a PUBLISH), at most {@code retries} times, then fails it as a timeout.
 * Retransmissions and congestion answers are counted in the {@link LoadMeter}'s events.
 */
final class MqttSnClients implements AutoCloseable {
    private final Selector selector;
    private final Thread reader;
    private final ScheduledExecutorService timer;
    private final Queue<MqttSnClient> toRegister = new ConcurrentLinkedQueue<>();
    private final Set<MqttSnClient> clients = ConcurrentHashMap.newKeySet();
    private final long retryNanos;
    private final int retries;
    private final LoadMeter meter;
    private volatile boolean open = true;

    MqttSnClients(long retryMillis, int retries, LoadMeter meter) throws IOException {
        this.retryNanos = TimeUnit.MILLISECONDS.toNanos(retryMillis);
        this.retries = retries;
        this.meter = meter;
        this.selector = Selector.open();
        this.reader = Thread.ofPlatform().daemon().name("mqtt-sn-reader").start(this::read);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
                .name("mqtt-sn-retransmit").unstarted(r));
        long tick = Math.max(10, retryMillis / 4);
        timer.scheduleAtFixedRate(this::retransmit, tick, tick, TimeUnit.MILLISECONDS);
    }

    /** A client of the gateway at {@code gateway}, its socket bound to {@code local} (any port). Not yet connected. */
    MqttSnClient open(String clientId, InetSocketAddress gateway, InetAddress local) throws IOException {
        DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET);
        try {
            ch.bind(new InetSocketAddress(local, 0));
            ch.connect(gateway);
            ch.configureBlocking(false);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        MqttSnClient c = new MqttSnClient(clientId, ch, this);
        clients.add(c);
        toRegister.add(c);
        selector.wakeup();
        return c;
    }

    long retryNanos() {
        return retryNanos;
    }

    int retries() {
        return retries;
    }

    LoadMeter meter() {
        return meter;
    }

    void closed(MqttSnClient c) {
        clients.remove(c);
    }

    private void read() {
        ByteBuffer buf = ByteBuffer.allocateDirect(65_536);
        try {
            while (open) {
                selector.select(100);
                for (MqttSnClient c; (c = toRegister.poll()) != null; ) {
                    try {
                        c.channel().register(selector, SelectionKey.OP_READ, c);
                    } catch (IOException | RuntimeException e) {
                        meter.event("mqtt-sn register_failed");
                    }
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    MqttSnClient c = (MqttSnClient) key.attachment();
                    drain(c, buf);
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | ClosedSelectorException e) {
            if (open) {
                meter.event("mqtt-sn reader_stopped: " + e.getClass().getSimpleName());
            }
        }
    }

    private void drain(MqttSnClient c, ByteBuffer buf) {
        while (true) {
            buf.clear();
            int n;
            try {
                n = c.channel().read(buf);
            } catch (IOException e) { // an ICMP error (port unreachable) or a closed socket
                meter.event("mqtt-sn read " + e.getClass().getSimpleName());
                return;
            }
            if (n <= 0) {
                return;
            }
            buf.flip();
            byte[] datagram = new byte[buf.remaining()];
            buf.get(datagram);
            c.onDatagram(datagram);
        }
    }

    private void retransmit() {
        long now = System.nanoTime();
        for (MqttSnClient c : clients) {
            c.retransmit(now);
        }
    }

    /** Stops the threads and closes every client's socket. */
    @Override
    public void close() {
        open = false;
        timer.shutdownNow();
        selector.wakeup();
        try {
            reader.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (MqttSnClient c : clients) {
            c.closeChannel();
        }
        try {
            selector.close();
        } catch (IOException e) {
            // closing: nothing left to do with it
        }
    }
}
