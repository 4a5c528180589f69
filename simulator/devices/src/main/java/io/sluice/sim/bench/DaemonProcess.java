package io.sluice.sim.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code sluice run --config FILE} as a child JVM on this classpath, on ports fixed at construction (MQTT, MQTT-SN,
 * line-protocol UDP, admin), so a restart after {@code kill -9} listens where the clients expect it. Readiness is
 * {@code GET /ready}; memory is read from {@code /proc} (peak RSS of each process, kept across restarts) and
 * {@code jstat} (heap in use). Exits that this class did not cause are counted as crashes. Output goes to a log file
 * that is appended across restarts. Thread-safe.
 */
final class DaemonProcess implements AutoCloseable {
    final int mqttPort;
    final int mqttSnPort;
    final int lineUdpPort;
    final int adminPort;
    private final Path configFile;
    private final Path logFile;
    private final List<String> jvmArgs;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;
    private boolean killedByUs;
    private int crashes;
    private int starts;
    private long peakRssKb;
    private long peakHeapBytes;

    /**
     * @param dir      where the config, admin token and log go
     * @param yamlBody the config without the listeners' and the admin endpoint's keys, which are added here
     * @param jvmArgs  options of the daemon's JVM, e.g. {@code -Xmx512m}
     */
    DaemonProcess(Path dir, String yamlBody, List<String> jvmArgs) throws IOException {
        this.mqttPort = freeTcpPort();
        this.mqttSnPort = freeUdpPort();
        this.lineUdpPort = freeUdpPort();
        this.adminPort = freeTcpPort();
        this.configFile = dir.resolve("sluice.yaml");
        this.logFile = dir.resolve("sluice.log");
        this.jvmArgs = List.copyOf(jvmArgs);
        Files.writeString(configFile, yamlBody.replace("%MQTT_PORT%", Integer.toString(mqttPort))
                .replace("%MQTT_SN_PORT%", Integer.toString(mqttSnPort))
                .replace("%LINE_UDP_PORT%", Integer.toString(lineUdpPort))
                + "admin:\n  host: 127.0.0.1\n  port: " + adminPort + "\n  token_file: " + dir.resolve("admin.token")
                + "\n");
    }

    /** Starts the daemon and waits up to {@code timeout} until {@code /ready} answers 200. */
    synchronized DaemonProcess start(Duration timeout) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "io.sluice.daemon.cli.SluiceCommand", "run", "--config", configFile.toString()));
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        killedByUs = false;
        starts++;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready()) {
            if (!process.isAlive()) {
                throw new IllegalStateException("sluice exited with " + process.exitValue() + ":\n" + logTail(40));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("sluice not ready within " + timeout + ":\n" + logTail(40));
            }
            sleep(100); // readiness poll interval
        }
        return this;
    }

    /** {@code GET /ready} answered 200 within 2 s. */
    boolean ready() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Whether the process runs; the first time it is found gone without {@link #kill9()}, that is counted as a crash.
     */
    synchronized boolean alive() {
        if (process != null && !process.isAlive() && !killedByUs) {
            crashes++;
            killedByUs = true; // counted once
        }
        return process != null && process.isAlive();
    }

    synchronized int crashes() {
        alive();
        return crashes;
    }

    synchronized int starts() {
        return starts;
    }

    synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    /** {@code kill -9}: no drain, no flush. Waits until the process is gone. */
    synchronized void kill9() {
        sample();
        killedByUs = true;
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Reads the process's peak RSS (VmHWM) and heap in use (jstat), keeping the maxima across samples and restarts.
     * Cheap enough for once a second.
     */
    synchronized void sample() {
        if (process == null || !process.isAlive()) {
            return;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    peakRssKb = Math.max(peakRssKb, Long.parseLong(line.replaceAll("\\D", "")));
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process is exiting: keep the last sample
        }
        long heap = heapUsedBytes(process.pid());
        peakHeapBytes = Math.max(peakHeapBytes, heap);
    }

    synchronized long peakRssBytes() {
        return peakRssKb * 1024;
    }

    synchronized long peakHeapBytes() {
        return peakHeapBytes;
    }

    /** A Prometheus sample's value from {@code /metrics} (the first series of that name), or NaN. */
    double metric(String name) {
        try {
            String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*})? (\\S+)$").matcher(body);
            return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
        } catch (IOException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    /** The whole {@code /metrics} body, or an empty string when the endpoint does not answer. */
    String metrics() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** Lines of the daemon's log (all starts) that report an error, an uncaught exception or a JVM error. */
    List<String> errorLines() {
        List<String> out = new ArrayList<>();
        try {
            if (Files.exists(logFile)) {
                try (var lines = Files.lines(logFile, java.nio.charset.StandardCharsets.ISO_8859_1)) {
                    lines.filter(l -> l.contains(" ERROR ") || l.contains("Exception in thread")
                                    || l.contains("OutOfMemoryError") || l.contains("StackOverflowError"))
                            .limit(1000).forEach(out::add);
                }
            }
        } catch (IOException e) {
            out.add("(log unreadable: " + e + ")");
        }
        return out;
    }

    Path logFile() {
        return logFile;
    }

    String logTail(int lines) {
        try {
            if (!Files.exists(logFile)) {
                return "(no log)";
            }
            List<String> all = Files.readAllLines(logFile, java.nio.charset.StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** Stops the daemon with SIGTERM (it drains), and kills it after 60 s. */
    @Override
    public synchronized void close() {
        if (process == null || !process.isAlive()) {
            return;
        }
        sample();
        killedByUs = true;
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Heap in use (survivor, eden and old spaces) by {@code jstat -gc}, or 0 when it cannot be read. */
    private static long heapUsedBytes(long pid) {
        Path jstat = Path.of(System.getProperty("java.home"), "bin", "jstat");
        try {
            Process p = new ProcessBuilder(jstat.toString(), "-gc", Long.toString(pid)).redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return 0;
            }
            String[] lines = out.strip().split("\n");
            if (lines.length < 2) {
                return 0;
            }
            String[] head = lines[0].trim().split("\\s+");
            String[] vals = lines[1].trim().split("\\s+");
            double kb = 0;
            for (int i = 0; i < head.length && i < vals.length; i++) {
                if (List.of("S0U", "S1U", "EU", "OU").contains(head[i])) {
                    kb += Double.parseDouble(vals[i]);
                }
            }
            return (long) (kb * 1024);
        } catch (IOException | RuntimeException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static int freeTcpPort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freeUdpPort() {
        try (DatagramSocket s = new DatagramSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
