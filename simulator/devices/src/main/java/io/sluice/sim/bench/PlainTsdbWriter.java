package io.sluice.sim.bench;

import com.influxdb.client.InfluxDBClientOptions;
import io.sluice.daemon.internal.Logging;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.apache.kafka.common.TopicPartition;

/**
 * The plain writer of {@code bench-fanout} in a JVM of its own, as the fan-out runs in a JVM of its own when deployed:
 * the two writers then neither share the JIT's profiles (the fan-out's JVM would otherwise keep recompiling JDK code
 * both use) nor each other's garbage. For each round it reads the round's readings from a file the benchmark wrote,
 * makes the fan-out decoder's lines of them for a table, and writes them with {@code WriteApiBlocking.writeRecords}
 * in batches (to InfluxDB 1.x, for a TSDB URL spelled {@code v1:URL}, with a plain JDK HTTP POST; {@link BenchLines}). Commands on stdin, answers on stdout prefixed with {@value #ANSWER} (anything else on stdout is
 * ignored): {@code prepare TABLE FILE} (answer {@code ready}), {@code write} (answer {@code done}), or instead of
 * {@code write}, {@code relay BOOTSTRAP TOPIC P=OFFSET,...}: the same lines written as the round's records are read
 * from the log ({@link LogRelay}; answer {@code done}); end of input ends it.
 */
public final class PlainTsdbWriter implements AutoCloseable {
    static final String ANSWER = "plain-writer: ";

    private final Process process;
    private final Path log;
    private final BufferedReader answers;
    private final Writer commands;

    private PlainTsdbWriter(Process process, Path log) {
        this.process = process;
        this.log = log;
        this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    /**
     * Starts the writer's JVM, writing to the TSDB at {@code url} in batches of {@code batch} lines; its stderr goes to
     * {@code NAME.log} in {@code dir}.
     */
    static PlainTsdbWriter start(String url, int batch, Path dir, String name) throws IOException {
        Path log = dir.resolve(name + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // a fixed heap as large as the benchmark JVM's lines need, so no run measures the heap growing
        Process p = new ProcessBuilder(java, "-Xms2g", "-Xmx2g", "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), PlainTsdbWriter.class.getName(), url, Integer.toString(batch))
                .redirectError(log.toFile()).start();
        return new PlainTsdbWriter(p, log);
    }

    long pid() {
        return process.pid();
    }

    /**
     * Has the writer make its lines for {@code table} of the readings in {@code records} (a file of
     * {@link #writeRecords}; not timed), its heap collected after.
     */
    void prepare(String table, Path records) throws IOException {
        ask("prepare " + table + " " + records, "ready");
    }

    /** Writes every line; returns once the TSDB acknowledged the last batch. */
    void write() throws IOException {
        ask("write", "done");
    }

    /**
     * Writes every line as the records from {@code start} are read from the log at {@code bootstrapServers}; returns
     * once the TSDB acknowledged the last batch.
     */
    void relay(String bootstrapServers, Map<TopicPartition, Long> start) throws IOException {
        ask("relay " + bootstrapServers + " " + LogRelay.encode(start), "done");
    }

    private void ask(String command, String answer) throws IOException {
        commands.write(command + "\n");
        commands.flush();
        for (String line; (line = answers.readLine()) != null; ) {
            if (line.equals(ANSWER + answer)) {
                return;
            }
            if (line.startsWith(ANSWER)) {
                throw new IllegalStateException("plain writer answered '" + line + "' to " + command);
            }
        }
        throw new IllegalStateException("the plain writer's JVM ended during '" + command + "':\n" + logTail());
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        try {
            commands.close();
        } catch (IOException e) {
            // it ends on end of input; destroyed below if not
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** The child JVM: {@code PlainTsdbWriter URL BATCH}. */
    public static void main(String[] args) throws IOException {
        Logging.configure("warn", "text");
        String url = args[0];
        int batch = Integer.parseInt(args[1]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        List<String> lines = List.of();
        LogRelay relay = null;
        for (String command; (command = in.readLine()) != null; ) {
            if (command.startsWith("prepare ")) {
                String[] tableAndFile = command.substring("prepare ".length()).split(" ", 2);
                lines = List.of();
                lines = FanoutBenchCommand.lines(readRecords(Path.of(tableAndFile[1])), tableAndFile[0]);
                System.gc();
                answer("ready");
            } else if (command.equals("write")) {
                write(url, lines, batch);
                lines = List.of(); // garbage once written, as in the benchmark JVM before
                answer("done");
            } else if (command.startsWith("relay ")) {
                String[] serversAndStart = command.substring("relay ".length()).split(" ", 2);
                if (relay == null) {
                    relay = new LogRelay(serversAndStart[0]);
                }
                relay.run(url, lines, batch, LogRelay.decode(serversAndStart[1]));
                lines = List.of();
                answer("done");
            } else {
                answer("unknown command " + command);
            }
        }
        if (relay != null) {
            relay.close();
        }
    }

    private static void answer(String s) {
        System.out.println(ANSWER + s);
        System.out.flush();
    }

    private static void write(String url, List<String> lines, int batch) {
        try (BenchLines api = BenchLines.open(url)) {
            for (int i = 0; i < lines.size(); i += batch) {
                api.write(lines.subList(i, Math.min(lines.size(), i + batch)));
            }
        }
    }

    /** The blocking client's settings for the baselines (the fan-out makes its own from its config). */
    static InfluxDBClientOptions clientOptions(String url) {
        return InfluxDBClientOptions.builder().url(url).org("sluice").bucket("bench")
                .authenticateToken(new char[0]).okHttpClient(new OkHttpClient.Builder()
                        .readTimeout(Duration.ofSeconds(30)).writeTimeout(Duration.ofSeconds(30)))
                .build();
    }

    static void writeRecords(Path file, List<byte[][]> records) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(records.size());
            for (byte[][] r : records) {
                out.writeInt(r.length);
                for (byte[] part : r) {
                    out.writeInt(part.length);
                    out.write(part);
                }
            }
        }
    }

    static List<byte[][]> readRecords(Path file) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            int n = in.readInt();
            List<byte[][]> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                byte[][] r = new byte[in.readInt()][];
                for (int j = 0; j < r.length; j++) {
                    r[j] = in.readNBytes(in.readInt());
                }
                out.add(r);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
