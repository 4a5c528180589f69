package io.sluice.sim.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Hostile connections held open: a flood of MQTT connections opened as fast as possible (each sends a valid CONNECT,
 * keep-alive 60 s, and waits for CONNACK), and slow-loris sockets that send the start of a packet and never the rest
 * (half a CONNECT's fixed header; or a CONNECT and the first bytes of a 1,000-byte PUBLISH). Each socket has a
 * virtual thread reading until the server closes it, which records when. {@link #close} closes every socket.
 * Thread-safe.
 */
final class ConnectionFlood implements AutoCloseable {
    private final Queue<Socket> sockets = new ConcurrentLinkedQueue<>();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final LongAdder opened = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder connacked = new LongAdder();
    private final LongAdder lorisClosedByServer = new LongAdder();
    private final Queue<Long> lorisCloseMillis = new ConcurrentLinkedQueue<>();
    private volatile boolean closing;

    /**
     * Opens {@code count} MQTT connections at once from the given sources; returns after every attempt ended or
     * {@code timeoutSeconds}.
     */
    void flood(int count, InetAddress server, int port, List<InetAddress> sources, long timeoutSeconds)
            throws InterruptedException {
        CountDownLatch attempts = new CountDownLatch(count);
        for (int i = 0; i < count; i++) {
            InetAddress source = sources.get(i % sources.size());
            byte[] connect = MqttFrames.connect(4, true, 60, ("flood" + i).getBytes(), new byte[0]);
            threads.execute(() -> {
                Socket s = new Socket();
                boolean[] answered = new boolean[1];
                try {
                    s.bind(new InetSocketAddress(source, 0));
                    s.connect(new InetSocketAddress(server, port), 30_000);
                    sockets.add(s);
                    opened.increment();
                    s.getOutputStream().write(connect);
                    s.setSoTimeout(30_000);
                    InputStream in = s.getInputStream();
                    if (in.read() == 0x20) {
                        connacked.increment();
                    }
                    answered[0] = true;
                    attempts.countDown();
                    s.setSoTimeout(0);
                    while (!closing && in.read(new byte[64]) >= 0) {
                        // hold the connection; the server may close it
                    }
                } catch (IOException e) {
                    if (!answered[0]) {
                        failed.increment();
                    }
                } finally {
                    if (!answered[0]) {
                        attempts.countDown();
                    }
                }
            });
        }
        attempts.await(timeoutSeconds, TimeUnit.SECONDS);
    }

    /** Opens {@code count} slow-loris sockets; each sends a partial packet and holds it. Returns once they are sent. */
    void slowLoris(int count, InetAddress server, int port, List<InetAddress> sources) throws InterruptedException {
        CountDownLatch sent = new CountDownLatch(count);
        byte[] publishStart = java.util.Arrays.copyOf(MqttFrames.publish(4, 1, false, false, "fz/loris/t".getBytes(),
                1, new byte[0], new byte[1000]), 12);
        for (int i = 0; i < count; i++) {
            InetAddress source = sources.get(i % sources.size());
            byte[] partial = i % 2 == 0 ? new byte[] {0x10, (byte) 0xE8} // CONNECT, remaining length cut after 1 byte
                    : concat(MqttFrames.connect(4, true, 0, ("loris" + i).getBytes(), new byte[0]), publishStart);
            threads.execute(() -> {
                Socket s = new Socket();
                long t0 = System.nanoTime();
                boolean[] written = new boolean[1];
                try {
                    s.bind(new InetSocketAddress(source, 0));
                    s.connect(new InetSocketAddress(server, port), 30_000);
                    sockets.add(s);
                    s.getOutputStream().write(partial);
                    written[0] = true;
                    sent.countDown();
                    InputStream in = s.getInputStream();
                    while (!closing && in.read(new byte[64]) >= 0) {
                        // a CONNACK may come; wait for the server to give up on the partial packet
                    }
                    if (!closing) {
                        lorisClosedByServer.increment();
                        lorisCloseMillis.add((System.nanoTime() - t0) / 1_000_000);
                    }
                } catch (IOException e) {
                    if (!closing) {
                        lorisClosedByServer.increment();
                        lorisCloseMillis.add((System.nanoTime() - t0) / 1_000_000);
                    }
                } finally {
                    if (!written[0]) {
                        sent.countDown();
                    }
                }
            });
        }
        sent.await(120, TimeUnit.SECONDS);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    long opened() {
        return opened.sum();
    }

    long failed() {
        return failed.sum();
    }

    long connacked() {
        return connacked.sum();
    }

    long lorisClosedByServer() {
        return lorisClosedByServer.sum();
    }

    /** Longest time a slow-loris socket was held before the server closed it, ms (0 when none was closed). */
    long lorisLongestMillis() {
        return lorisCloseMillis.stream().mapToLong(Long::longValue).max().orElse(0);
    }

    /** Open sockets still held (not closed by the server). */
    long held() {
        return sockets.stream().filter(s -> !s.isClosed()).count();
    }

    @Override
    public void close() {
        closing = true;
        Socket s;
        while ((s = sockets.poll()) != null) {
            try {
                s.setSoLinger(true, 0);
                s.close();
            } catch (IOException e) {
                // already gone
            }
        }
        threads.shutdownNow();
        try {
            threads.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
