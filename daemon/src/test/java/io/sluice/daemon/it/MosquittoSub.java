package io.sluice.daemon.it;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code mosquitto_sub} as an independent subscriber: started with {@code -d} so its SUBACK can be awaited
 * before anything is published, and {@code -v} so each message arrives as a line {@code TOPIC PAYLOAD}. Its output is
 * read on a thread of its own; {@link #messages} are the lines that are not debug lines.
 */
final class MosquittoSub implements AutoCloseable {
    static final Path PATH = Path.of("/usr/bin/mosquitto_sub");

    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    MosquittoSub(int port, String... args) throws IOException {
        // line-buffered: its output goes to a pipe, where stdio would hold the SUBACK line back
        List<String> cmd = new ArrayList<>(List.of("stdbuf", "-oL", PATH.toString(), "-h", "127.0.0.1", "-p",
                String.valueOf(port), "-d", "-v"));
        cmd.addAll(List.of(args));
        process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        reader = new Thread(() -> {
            try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "mosquitto_sub-output");
        reader.setDaemon(true);
        reader.start();
        await("mosquitto_sub's SUBACK").atMost(Duration.ofSeconds(30))
                .failFast("mosquitto_sub exited", () -> !process.isAlive())
                .until(() -> all().stream().anyMatch(l -> l.contains("received SUBACK")));
    }

    List<String> all() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** The {@code TOPIC PAYLOAD} lines received so far, in order. */
    List<String> messages() {
        return all().stream().filter(l -> !l.startsWith("Client ") && !l.startsWith("Subscribed")).toList();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
