package io.sluice.daemon.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real daemon as a child JVM ({@code sluice run --config FILE}), for tests that kill it, signal it or bound its
 * heap. Uses the test JVM's classpath. Output goes to a log file that failure messages include.
 */
final class DaemonProcess implements AutoCloseable {
    private final Path dir;
    private final Path configFile;
    private final Path logFile;
    private final List<String> jvmArgs;
    private final java.util.Map<String, String> env = new java.util.HashMap<>();
    private final int port;
    private Process process;

    DaemonProcess(Path dir, String yaml, int port, List<String> jvmArgs) {
        this.dir = dir;
        this.port = port;
        this.jvmArgs = List.copyOf(jvmArgs);
        this.configFile = dir.resolve("sluice.yaml");
        this.logFile = dir.resolve("daemon.log");
        try {
            Files.writeString(configFile, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sets an environment variable of the child process (before {@link #start()}). */
    DaemonProcess env(String name, String value) {
        env.put(name, value);
        return this;
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    /** Starts the daemon and waits until its log says it is ready. */
    DaemonProcess start() {
        List<String> cmd = new ArrayList<>();
        // SIGHUP back to its default: a build started under nohup would pass "ignored" down, and a JVM that starts
        // with SIGHUP ignored never sees the reload signal (GNU env resets it)
        cmd.addAll(List.of("env", "--default-signal=HUP"));
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.sluice.daemon.cli.SluiceCommand");
        cmd.add("run");
        cmd.add("--config");
        cmd.add(configFile.toString());
        try {
            Files.deleteIfExists(logFile);
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(logFile.toFile());
            pb.environment().putAll(env);
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        await("daemon ready").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("daemon exited with " + process.exitValue() + ":\n" + log());
            }
            return log().contains(" ready: MQTT on ");
        });
        return this;
    }

    /** kill -9. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM; returns the exit code. */
    int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("daemon did not exit within " + timeout + " of SIGTERM:\n" + log());
        }
        return process.exitValue();
    }

    String log() {
        try {
            return Files.exists(logFile) ? Files.readString(logFile) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
