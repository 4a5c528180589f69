package io.sluice.sim.bench;

import io.sluice.sim.Reading;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kafka's own producer benchmark, {@code org.apache.kafka.tools.ProducerPerformance} (kafka-tools, run as a child
 * JVM on the classpath sluice-kafka-tools-runtime records), against the benchmark's broker with Sluice's producer
 * settings ({@link SluiceProducerSettings}: acks=all, idempotent, lz4, same linger, batch and buffer) and payloads
 * of the same size and content as the devices send (simulator readings, read from a payload file). Unlike Sluice's
 * records these carry no key (the tool sends none, so the sticky partitioner fills one partition's batch at a time)
 * and no headers. The first quarter of the records are the tool's warm-up; its steady-state line is the figure.
 *
 * <p>Blocking: {@link #run} returns when the tool has exited.
 */
final class ProducerPerformanceRun {
    static final String MAIN = "org.apache.kafka.tools.ProducerPerformance";
    /** e.g. "150000 steady state records sent, 212345.678901 records/sec (27.12 MB/sec), ... 99th, ..." */
    private static final Pattern SUMMARY = Pattern.compile(
            "^(\\d+)( steady state)? records sent, ([0-9.]+) records/sec \\(([0-9.]+) MB/sec\\).*?(\\d+) ms 99th");

    /**
     * @param recordsPerSecond the steady-state (after warm-up) records/sec the tool reported
     * @param p99Millis        its 99th percentile send-to-ack latency
     * @param summary          the line it was parsed from
     */
    record Result(double recordsPerSecond, long p99Millis, String summary) {
    }

    private static final String CLASSPATH = "/io/sluice/bench/kafka-tools.classpath";
    private static final String MODULE = "simulator/kafka-tools-runtime";

    private ProducerPerformanceRun() {
    }

    /** The kafka-tools version on the recorded classpath. */
    static String version() {
        Matcher m = Pattern.compile("kafka-tools-(\\d[^/\\\\]*?)\\.jar").matcher(RecordedClasspath.of(CLASSPATH, MODULE));
        return m.find() ? m.group(1) : "?";
    }

    /** Runs the tool with {@code records} measured records (plus a quarter as many warm-up ones) to {@code topic}. */
    static Result run(Path dir, String bootstrap, String topic, long records, int payloadBytes)
            throws IOException, InterruptedException {
        Path payloads = payloadFile(dir, payloadBytes);
        long warmup = Math.max(1, records / 4);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "--enable-native-access=ALL-UNNAMED",
                "-Duser.language=en", "-Duser.country=US", // it prints records/sec with %f
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", RecordedClasspath.of(CLASSPATH, MODULE),
                MAIN, "--bootstrap-server", bootstrap, "--topic", topic,
                "--num-records", Long.toString(records + warmup), "--warmup-records", Long.toString(warmup),
                "--payload-file", payloads.toString(), "--throughput", "-1"));
        for (Map.Entry<String, String> e : SluiceProducerSettings.of(bootstrap).entrySet()) {
            cmd.add("--command-property");
            cmd.add(e.getKey() + "=" + e.getValue());
        }
        Path log = dir.resolve("producer-performance.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("ProducerPerformance did not finish within 10 minutes: " + tail(log));
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("ProducerPerformance exited " + p.exitValue() + ": " + tail(log));
        }
        Optional<Result> result = parse(Files.readAllLines(log, StandardCharsets.UTF_8));
        if (result.isEmpty()) {
            throw new IllegalStateException("no ProducerPerformance summary line in " + tail(log));
        }
        return result.get();
    }

    /** The steady-state summary line if there is one, else the whole-run summary. */
    static Optional<Result> parse(List<String> lines) {
        Result total = null;
        for (String line : lines) {
            Matcher m = SUMMARY.matcher(line.trim());
            if (m.find()) {
                Result r = new Result(Double.parseDouble(m.group(3)), Long.parseLong(m.group(5)), line.trim());
                if (m.group(2) != null) {
                    return Optional.of(r);
                }
                total = r;
            }
        }
        return Optional.ofNullable(total);
    }

    /** 1,000 simulator readings of the devices' payload size, one per line (the tool picks one at random per record). */
    private static Path payloadFile(Path dir, int payloadBytes) throws IOException {
        Path file = dir.resolve("payloads-" + payloadBytes + ".txt");
        if (!Files.exists(file)) {
            StringBuilder sb = new StringBuilder();
            long ts = System.currentTimeMillis();
            for (int i = 0; i < 1000; i++) {
                sb.append(new String(Reading.json(String.format("perf-%06d", i % 50), i, ts + i, payloadBytes),
                        StandardCharsets.UTF_8)).append('\n');
            }
            Files.writeString(file, sb);
        }
        return file;
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }
}
