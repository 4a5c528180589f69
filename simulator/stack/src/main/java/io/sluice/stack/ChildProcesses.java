package io.sluice.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the stack's child-process servers share: free ports, a kill that waits, the tail of a log. Stateless. */
final class ChildProcesses {
    private ChildProcesses() {
    }

    /** A loopback port free at the moment of asking. */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL and wait up to 30 s for the process to end; no-op for null. */
    static void kill(Process process) {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last {@code lines} lines of {@code log} ({@code what} names the server in the answer when there is none). */
    static String logTail(Path log, int lines, String what) {
        try {
            if (!Files.exists(log)) {
                return "(no " + what + " log)";
            }
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(" + what + " log unreadable: " + e + ")";
        }
    }
}
