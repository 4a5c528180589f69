package io.sluice.sim;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
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
 * {@code sluice fanout --config FILE} as a child JVM on the test's classpath, for tests that bound its heap or kill
 * it. Reads its metrics and status from its admin endpoint. Output goes to a log file that failures include.
 */
final class FanoutProcess implements AutoCloseable {
    private final Path configFile;
    private final Path logFile;
    private final Path tokenFile;
    private final int adminPort;
    private final List<String> jvmArgs;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process process;
    private int starts;

    /** {@code yaml} must not set admin.port or admin.token_file: they are added here. */
    FanoutProcess(Path dir, String yaml, List<String> jvmArgs) throws IOException {
        this.adminPort = freePort();
        this.configFile = dir.resolve("fanout.yaml");
        this.logFile = dir.resolve("fanout.log");
        this.tokenFile = dir.resolve("admin.token");
        this.jvmArgs = List.copyOf(jvmArgs);
        Files.writeString(configFile, yaml + "admin:\n  port: " + adminPort + "\n  token_file: " + tokenFile + "\n");
    }

    /** Starts the process and waits until its log says it is ready. */
    FanoutProcess start() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.sluice.daemon.cli.SluiceCommand",
                "fanout", "--config", configFile.toString()));
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int expectedReady = ++starts;
        await("fan-out ready").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("fan-out exited with " + process.exitValue() + ":\n" + log());
            }
            return Pattern.compile("fan-out node \\S+ ready").matcher(log()).results().count() >= expectedReady;
        });
        return this;
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** kill -9: no flush, no commit. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** The value of an unlabelled Prometheus sample from /metrics, e.g. {@code sluice_fanout_lag}. */
    double metric(String name) {
        String body = get("/metrics", false);
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*})? (\\S+)$").matcher(body);
        if (!m.find()) {
            throw new AssertionError("no metric " + name + " in:\n" + body);
        }
        return Double.parseDouble(m.group(1));
    }

    /** {@code GET /status?format=text} with the admin token. */
    String statusText() {
        return get("/status?format=text", true);
    }

    private String get(String path, boolean authorized) {
        try {
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                    .timeout(Duration.ofSeconds(20));
            if (authorized) {
                req.header("Authorization", "Bearer " + Files.readString(tokenFile).strip());
            }
            HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError(path + " answered " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    String log() {
        try {
            return Files.exists(logFile) ? Files.readString(logFile) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
