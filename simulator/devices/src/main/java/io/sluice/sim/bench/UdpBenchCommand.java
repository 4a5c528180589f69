package io.sluice.sim.bench;

import io.sluice.daemon.internal.Logging;
import io.sluice.stack.KafkaCluster;
import io.sluice.stack.KafkaRecords;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice-sim bench-udp}: line-protocol datagrams/s into Kafka through Sluice against a plain Netty epoll
 * receiver that only counts, at the same offered rate, alternating, each server in its own JVM so its CPU can be
 * read from /proc. The generator (this JVM, one thread) paces datagrams of one ~100-byte line each.
 */
@Command(name = "bench-udp", mixinStandardHelpOptions = true,
        description = "Line-protocol UDP into Kafka through Sluice against a plain epoll receiver that only counts.")
public final class UdpBenchCommand implements Callable<Integer> {
    @Option(names = "--rate", description = "offered datagrams/s (default ${DEFAULT-VALUE})")
    int rate = 50_000;
    @Option(names = "--seconds", description = "seconds of load per run (default ${DEFAULT-VALUE})")
    int seconds = 10;
    @Option(names = "--rounds", description = "plain/Sluice rounds (default ${DEFAULT-VALUE})")
    int rounds = 3;
    @Option(names = "--sockets", description = "SO_REUSEPORT sockets of both receivers (default ${DEFAULT-VALUE})")
    int sockets = 2;
    @Option(names = "--rcvbuf", description = "SO_RCVBUF of both receivers (default ${DEFAULT-VALUE})")
    int rcvbuf = 4 << 20;

    private final HttpClient http = HttpClient.newHttpClient();

    @Override
    public Integer call() throws Exception {
        Logging.configure("warn", "text");
        long rmemMax = Long.parseLong(Files.readString(Path.of("/proc/sys/net/core/rmem_max")).strip());
        System.out.printf("bench-udp: %,d datagrams/s offered for %d s, %d socket(s), SO_RCVBUF %,d (net.core.rmem_max"
                + " %,d), %d round(s), %d core(s)%n", rate, seconds, sockets, rcvbuf, rmemMax, rounds,
                Runtime.getRuntime().availableProcessors());
        Path dir = Files.createTempDirectory("sluice-bench-udp-");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        double[] plainRates = new double[rounds];
        double[] sluiceRates = new double[rounds];
        boolean lossless = true;
        System.out.println("round  receiver  sent        received    into Kafka  received/s  loss %  server cpu s/M"
                + "  generator cpu s");
        try (KafkaCluster kafka = KafkaCluster.start(1)) {
            for (int r = 1; r <= rounds; r++) {
                // plain receiver
                int port = freeUdpPort();
                Path countFile = dir.resolve("plain-" + r + ".count");
                Process plain = new ProcessBuilder(java, "-Xmx256m", "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                        PlainUdpReceiver.class.getName(), Integer.toString(port), Integer.toString(sockets),
                        Integer.toString(rcvbuf), countFile.toString())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("plain.log").toFile()).start();
                try {
                    awaitTrue(() -> Files.exists(countFile) ? 1 : 0, "plain receiver start");
                    Run p = drive(port, plain.pid(), () -> readCount(countFile), () -> -1);
                    plainRates[r - 1] = p.receivedPerSecond();
                    p.print(r, "plain");
                } finally {
                    plain.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
                // Sluice
                int udpPort = freeUdpPort();
                int adminPort = freeTcpPort();
                String topic = "bench-udp-" + r;
                Path conf = dir.resolve("sluice-" + r + ".yaml");
                Files.writeString(conf, String.join("\n", "node_id: bench-udp",
                        "mqtt:", "  host: 127.0.0.1", "  port: 0",
                        "line_udp:", "  enabled: true", "  host: 127.0.0.1", "  port: " + udpPort,
                        "  sockets: " + sockets, "  receive_buffer_bytes: " + rcvbuf,
                        "admin:", "  port: " + adminPort, "  token_file: " + dir.resolve("admin.token"),
                        "kafka:", "  bootstrap_servers: " + kafka.bootstrapServers(), "  readings_topic: " + topic,
                        "  sessions_topic: " + topic + "-sessions", "  topic_partitions: 6",
                        "  topic_replication_factor: 1", "  topic_min_insync_replicas: 1",
                        "log:", "  level: warn", ""));
                Process sluice = new ProcessBuilder(java, "-Xmx1g", "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                        "io.sluice.daemon.cli.SluiceCommand", "run", "--config", conf.toString())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("sluice-" + r + ".log").toFile()).start();
                try {
                    awaitTrue(() -> metricOrMinus(adminPort, "sluice_lineudp_datagrams_total") >= 0 ? 1 : 0,
                            "Sluice start");
                    Run s = drive(udpPort, sluice.pid(),
                            () -> (long) metricOrMinus(adminPort, "sluice_lineudp_datagrams_total"),
                            () -> (long) metricOrMinus(adminPort, "sluice_kafka_appended_total"));
                    long inTopic = KafkaRecords.readAll(kafka.bootstrapServers(), topic, Duration.ofSeconds(120)).size();
                    lossless &= inTopic == s.intoKafka() && s.intoKafka() == s.received();
                    sluiceRates[r - 1] = s.intoKafkaPerSecond(seconds);
                    s.print(r, "sluice");
                    System.out.printf("       (Kafka topic holds %,d records)%n", inTopic);
                } finally {
                    sluice.destroy();
                    if (!sluice.waitFor(60, TimeUnit.SECONDS)) {
                        sluice.destroyForcibly();
                    }
                }
            }
        }
        double plainMedian = median(plainRates);
        double sluiceMedian = median(sluiceRates);
        System.out.printf("median datagrams/s: plain received %,.0f, Sluice into Kafka %,.0f; ratio %.2f%n", plainMedian,
                sluiceMedian, sluiceMedian / plainMedian);
        System.out.println(lossless ? "every datagram Sluice received is in Kafka"
                : "SLUICE RECEIVED DATAGRAMS THAT ARE NOT IN KAFKA");
        return lossless ? 0 : 1;
    }

    /** Sends at the offered rate for the configured seconds, then waits for the counters to settle. */
    private Run drive(int port, long serverPid, LongSupplier received, LongSupplier intoKafka) throws Exception {
        double serverCpu0 = ProcCpu.seconds(serverPid);
        double genCpu0 = ProcCpu.self();
        long sent = 0;
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.connect(new InetSocketAddress("127.0.0.1", port));
            ByteBuffer buf = ByteBuffer.allocateDirect(256);
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(seconds);
            long interval = 1_000_000_000L / rate;
            long next = start;
            while (true) {
                long now = System.nanoTime();
                if (now >= end) {
                    break;
                }
                if (now < next) {
                    // pacing: sleep until the next datagram is due (parkNanos wakes ~50-100 us late; those
                    // datagrams then go out back to back, so the offered rate holds over each second)
                    java.util.concurrent.locks.LockSupport.parkNanos(next - now);
                    continue;
                }
                buf.clear();
                buf.put(("climate,device=d" + (sent % 1000) + ",site=plant-1 temp=" + (15 + sent % 200 / 10.0)
                        + ",hum=" + (30 + sent % 500 / 10.0) + " " + (1_767_225_600_000_000_000L + sent) + "\n")
                        .getBytes(StandardCharsets.US_ASCII));
                buf.flip();
                ch.write(buf);
                sent++;
                next += interval;
            }
        }
        double genCpu = ProcCpu.self() - genCpu0;
        long settled = settle(received);
        long kafka = intoKafka.getAsLong() < 0 ? -1 : settleTo(intoKafka, settled);
        double serverCpu = ProcCpu.seconds(serverPid) - serverCpu0;
        return new Run(sent, settled, kafka, seconds, serverCpu, genCpu);
    }

    /** The counter once it stopped moving for 500 ms. */
    private static long settle(LongSupplier counter) throws InterruptedException {
        long last = counter.getAsLong();
        long stableSince = System.nanoTime();
        while (System.nanoTime() - stableSince < TimeUnit.MILLISECONDS.toNanos(500)) {
            Thread.sleep(50); // benchmark polling
            long now = counter.getAsLong();
            if (now != last) {
                last = now;
                stableSince = System.nanoTime();
            }
        }
        return last;
    }

    private static long settleTo(LongSupplier counter, long target) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (counter.getAsLong() < target && System.nanoTime() < deadline) {
            Thread.sleep(50); // benchmark polling
        }
        return settle(counter);
    }

    private static void awaitTrue(LongSupplier ready, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (ready.getAsLong() == 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + " did not happen within 90 s");
            }
            Thread.sleep(100); // start-up probe
        }
    }

    private static long readCount(Path file) {
        try {
            return Long.parseLong(Files.readString(file).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private double metricOrMinus(int adminPort, String name) {
        try {
            String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*})? (\\S+)$").matcher(body);
            return m.find() ? Double.parseDouble(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static int freeUdpPort() throws IOException {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private record Run(long sent, long received, long intoKafka, int seconds, double serverCpu, double genCpu) {
        double receivedPerSecond() {
            return received / (double) seconds;
        }

        double intoKafkaPerSecond(int s) {
            return intoKafka / (double) s;
        }

        void print(int round, String receiver) {
            System.out.printf("%5d  %-8s  %,10d  %,10d  %10s  %,10.0f  %6.2f  %14.2f  %15.1f%n", round, receiver, sent,
                    received, intoKafka < 0 ? "-" : String.format("%,d", intoKafka), received / (double) seconds,
                    100.0 * (sent - received) / sent, serverCpu / (received / 1e6), genCpu);
        }
    }
}
