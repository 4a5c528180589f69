package io.sluice.sim.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Sends fuzz cases at a running server until {@code maxInputs} inputs were sent or {@code maxSeconds} passed. Case
 * {@code i} depends only on the seed and {@code i} ({@link #caseAt}), so a run is reproducible case by case whatever
 * the threads' interleaving. TCP cases run on virtual threads, each on its own connection from one of the source
 * addresses; after writing, a case reads what the server answers until it closes or {@link #READ_MS} pass, so the
 * server has taken the bytes before the client closes (with FIN, or RST for some). UDP cases go from a fresh socket
 * each (a new source address and port: a new MQTT-SN client to the gateway). Thread-safe counters; {@link #run} blocks.
 */
final class NetFuzz {
    static final int READ_MS = 250;
    /** Share of cases per transport, in percent: MQTT over TCP, MQTT-SN, line-protocol UDP. */
    static final int MQTT_PERCENT = 60, MQTT_SN_PERCENT = 20;

    private final long seed;
    private final InetAddress server;
    private final int mqttPort;
    private final int mqttSnPort;
    private final int lineUdpPort;
    private final List<InetAddress> sources;
    private final AtomicLong nextCase = new AtomicLong();
    private final LongAdder inputs = new LongAdder();
    private final LongAdder cases = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder connectFailures = new LongAdder();
    private final LongAdder serverClosed = new LongAdder();
    private final LongAdder answered = new LongAdder();
    private final Map<String, LongAdder> inputsByKind = new ConcurrentHashMap<>();

    NetFuzz(long seed, InetAddress server, int mqttPort, int mqttSnPort, int lineUdpPort, List<InetAddress> sources) {
        this.seed = seed;
        this.server = server;
        this.mqttPort = mqttPort;
        this.mqttSnPort = mqttSnPort;
        this.lineUdpPort = lineUdpPort;
        this.sources = List.copyOf(sources);
    }

    /** The case with index {@code i} of the run with {@code seed}. */
    static FuzzCase caseAt(long seed, long i) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i);
        int t = r.nextInt(100);
        if (t < MQTT_PERCENT) {
            return MqttFuzz.next(r);
        }
        return t < MQTT_PERCENT + MQTT_SN_PERCENT ? DatagramFuzz.mqttSn(r) : DatagramFuzz.line(r);
    }

    /**
     * Runs {@code tcpConcurrency} TCP senders and {@code udpThreads} UDP senders until the budget of inputs or time is
     * spent. Blocking.
     */
    void run(long maxInputs, long maxSeconds, int tcpConcurrency, int udpThreads) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxSeconds);
        try (ExecutorService tcp = Executors.newVirtualThreadPerTaskExecutor();
             ExecutorService udp = Executors.newFixedThreadPool(udpThreads)) {
            Runnable worker = () -> {
                while (inputs.sum() < maxInputs && System.nanoTime() < deadline) {
                    long i = nextCase.getAndIncrement();
                    FuzzCase c = caseAt(seed, i);
                    InetAddress source = sources.get((int) (i % sources.size()));
                    try {
                        if (c.transport() == FuzzCase.Transport.MQTT) {
                            sendTcp(c, source);
                        } else {
                            sendUdp(c, source);
                        }
                    } catch (IOException e) {
                        connectFailures.increment();
                        continue;
                    }
                    cases.increment();
                    inputs.add(c.inputs());
                    bytes.add(c.bytes());
                    inputsByKind.computeIfAbsent(c.transport().name().toLowerCase(java.util.Locale.ROOT) + " "
                            + c.kind(), k -> new LongAdder()).add(c.inputs());
                }
            };
            for (int i = 0; i < tcpConcurrency; i++) {
                tcp.execute(worker);
            }
            for (int i = 0; i < udpThreads; i++) {
                udp.execute(worker);
            }
            tcp.shutdown();
            udp.shutdown();
            long wait = Math.max(1, deadline - System.nanoTime()) + TimeUnit.SECONDS.toNanos(30);
            tcp.awaitTermination(wait, TimeUnit.NANOSECONDS);
            udp.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    private void sendTcp(FuzzCase c, InetAddress source) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(source, 0));
            s.connect(new InetSocketAddress(server, mqttPort), 5_000);
            s.setTcpNoDelay(true);
            s.setSoTimeout(READ_MS);
            try {
                OutputStream out = s.getOutputStream();
                for (byte[] w : c.writes()) {
                    out.write(w);
                    out.flush();
                }
                InputStream in = s.getInputStream();
                byte[] buf = new byte[4096];
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READ_MS);
                boolean any = false;
                while (System.nanoTime() < until) { // bounded: READ_MS in all
                    int n = in.read(buf);
                    if (n < 0) {
                        serverClosed.increment();
                        break;
                    }
                    any = true;
                }
                if (any) {
                    answered.increment();
                }
            } catch (SocketTimeoutException e) {
                // the server keeps the connection open and has nothing more to say
            } catch (IOException e) {
                serverClosed.increment(); // reset by the server while we wrote or read
            }
            if (c.reset()) {
                s.setSoLinger(true, 0);
            }
        }
    }

    private void sendUdp(FuzzCase c, InetAddress source) throws IOException {
        int port = c.transport() == FuzzCase.Transport.MQTT_SN ? mqttSnPort : lineUdpPort;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(source, 0))) {
            for (byte[] d : c.writes()) {
                s.send(new DatagramPacket(d, d.length, server, port));
            }
        }
    }

    long inputs() {
        return inputs.sum();
    }

    long cases() {
        return cases.sum();
    }

    long bytes() {
        return bytes.sum();
    }

    long connectFailures() {
        return connectFailures.sum();
    }

    long serverClosed() {
        return serverClosed.sum();
    }

    long answered() {
        return answered.sum();
    }

    /** Inputs sent by transport and generator, sorted. */
    Map<String, Long> inputsByKind() {
        Map<String, Long> out = new TreeMap<>();
        inputsByKind.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
