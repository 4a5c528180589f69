package io.sluice.sim.bench;

import io.sluice.daemon.internal.Logging;
import io.sluice.stack.KafkaCluster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Memory per idle connection: opens N MQTT 3.1.1 connections with persistent sessions (clean session 0, keep
 * alive 0) to Mosquitto and to Sluice, waits for every CONNACK, and reports each server's resident memory growth
 * per connection (VmRSS from /proc). One process holds all client sockets, so N must stay below the open-file
 * limit (20,000 here).
 */
@Command(name = "bench-idle", mixinStandardHelpOptions = true,
        description = "Resident memory per idle persistent-session connection: Sluice vs Mosquitto.")
public final class IdleConnectionsBenchCommand implements Callable<Integer> {
    @Option(names = "--connections", defaultValue = "10000")
    int connections;

    @Option(names = "--batch", defaultValue = "500", description = "CONNECTs sent before their CONNACKs are read")
    int batch;

    @Option(names = "--histogram", description = "print Sluice's live class histogram (top 30) with the connections open")
    boolean histogram;

    @Option(names = "--sluice-only", description = "skip Mosquitto")
    boolean sluiceOnly;

    @Override
    public Integer call() throws Exception {
        Logging.configure("error", "text");
        Path dir = Files.createTempDirectory("sluice-bench-idle-");
        System.out.printf("bench-idle: %,d idle MQTT 3.1.1 connections with persistent sessions, %d core(s)%n",
                connections, Runtime.getRuntime().availableProcessors());
        try (KafkaCluster kafka = KafkaCluster.start(1)) {
            if (!sluiceOnly) {
                try (ServerUnderTest mosquitto = ServerUnderTest.mosquitto(dir, freePort())) {
                    measure(mosquitto);
                }
            }
            try (ServerUnderTest sluice = ServerUnderTest.sluice(dir, freePort(), kafka.bootstrapServers(), "idle.readings")) {
                measure(sluice);
            }
        }
        return 0;
    }

    private void measure(ServerUnderTest server) throws Exception {
        connectAndClose(server, 200, "warm-"); // load classes and pools so the baseline is not start-up memory
        long heapBefore = server.name.equals("sluice") ? liveHeapKib(server.pid()) : -1;
        long directBefore = heapBefore >= 0 ? nativeOtherKib(server.pid()) : -1;
        java.util.Map<String, long[]> histoBefore = histogram && heapBefore >= 0 ? histogram(server.pid()) : null;
        long before = rssKib(server.pid());
        long t0 = System.nanoTime();
        List<Socket> sockets = new ArrayList<>(connections);
        try {
            for (int start = 0; start < connections; start += batch) {
                int end = Math.min(connections, start + batch);
                for (int i = start; i < end; i++) {
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress("127.0.0.1", server.port));
                    s.setSoTimeout(60_000);
                    s.getOutputStream().write(connect(String.format("idle-%07d", i)));
                    sockets.add(s);
                }
                for (int i = start; i < end; i++) {
                    byte[] ack = sockets.get(i).getInputStream().readNBytes(4);
                    if (ack.length != 4 || ack[0] != 0x20 || ack[3] != 0) {
                        throw new IllegalStateException(server.name + " refused connection " + i);
                    }
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            long after = rssKib(server.pid());
            System.out.printf("%-9s %,d connections in %.1f s (%,.0f/s): RSS %,d KiB -> %,d KiB, %.2f KiB per connection%n",
                    server.name, connections, seconds, connections / seconds, before, after,
                    (after - before) / (double) connections);
            if (heapBefore >= 0) {
                long heapAfter = liveHeapKib(server.pid());
                System.out.printf("%-9s live heap after full GC %,d KiB -> %,d KiB, %.2f KiB per connection%n",
                        server.name, heapBefore, heapAfter, (heapAfter - heapBefore) / (double) connections);
                long directAfter = directBefore >= 0 ? nativeOtherKib(server.pid()) : -1;
                if (directAfter >= 0) {
                    System.out.printf("%-9s direct (NMT 'Other': Netty's and NIO's off-heap buffers) %,d KiB -> %,d KiB,"
                                    + " %.2f KiB per connection%n", server.name, directBefore, directAfter,
                            (directAfter - directBefore) / (double) connections);
                }
                if (histoBefore != null) {
                    java.util.Map<String, long[]> histoAfter = histogram(server.pid());
                    System.out.println("growth by class (instances, bytes per connection):");
                    histoAfter.entrySet().stream()
                            .map(e -> {
                                long[] b = histoBefore.getOrDefault(e.getKey(), new long[2]);
                                return java.util.Map.entry(e.getKey(),
                                        new long[] {e.getValue()[0] - b[0], e.getValue()[1] - b[1]});
                            })
                            .sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1])).limit(30)
                            .forEach(e -> System.out.printf("  %8.2f %8.1f  %s%n", e.getValue()[0] / (double) connections,
                                    e.getValue()[1] / (double) connections, e.getKey()));
                }
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    private static void connectAndClose(ServerUnderTest server, int n, String prefix) throws IOException {
        for (int i = 0; i < n; i++) {
            try (Socket s = new Socket("127.0.0.1", server.port)) {
                s.getOutputStream().write(connect(prefix + i));
                s.getInputStream().readNBytes(4);
            }
        }
    }

    /** MQTT 3.1.1 CONNECT: clean session 0 (persistent), keep alive 0 (no timeout). */
    static byte[] connect(String clientId) {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 4, 0x00, 0, 0});
        body.write(id.length >> 8);
        body.write(id.length & 0xff);
        body.writeBytes(id);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x10);
        out.write(body.size()); // < 128 for the ids used here
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    static long rssKib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }

    /** Live class histogram (a full GC first): class name -> {instances, bytes}. */
    private static java.util.Map<String, long[]> histogram(long pid) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        Process p = new ProcessBuilder(jcmd, Long.toString(pid), "GC.class_histogram").redirectErrorStream(true).start();
        java.util.Map<String, long[]> out = new java.util.HashMap<>();
        for (String line : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                out.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
            }
        }
        p.waitFor();
        return out;
    }

    /**
     * Committed off-heap memory of the "Other" category of native memory tracking (where direct buffers and Netty's
     * unsafe allocations land), or -1 when the JVM runs without {@code -XX:NativeMemoryTracking=summary}.
     */
    static long nativeOtherKib(long pid) throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        Process p = new ProcessBuilder(jcmd, Long.toString(pid), "VM.native_memory", "summary")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^-\\s+Other \\(reserved=\\d+KB,"
                + " committed=(\\d+)KB\\)").matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Live heap of a JVM: the total of its class histogram (jcmd GC.class_histogram, which runs a full GC first). */
    static long liveHeapKib(long pid) throws IOException, InterruptedException {
        // the class histogram runs a full GC first and ends with the live total, whatever the collector
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        Process p = new ProcessBuilder(jcmd, Long.toString(pid), "GC.class_histogram").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)").matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("unexpected GC.class_histogram output: " + out);
        }
        return Long.parseLong(m.group(1)) / 1024;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
