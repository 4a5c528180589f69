package io.sluice.stack;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Polls a condition until it holds; used for readiness, where Awaitility is not on the stack's classpath. */
final class Wait {
    private Wait() {
    }

    static void until(String what, Duration timeout, Callable<Boolean> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (Boolean.TRUE.equals(condition.call())) {
                    return;
                }
            } catch (IllegalStateException e) {
                throw e; // a definite failure, e.g. the process died
            } catch (Exception e) {
                last = e;
            }
            try {
                Thread.sleep(100); // polling interval of a readiness probe, not synchronisation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what, e);
            }
        }
        throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what
                + (last == null ? "" : " (last error: " + last + ")"));
    }
}
