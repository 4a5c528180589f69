package io.sluice.sim.bench;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Once a second: is the daemon alive and {@code /ready}, and how much memory does it hold ({@link
 * DaemonProcess#sample}). Counts the seconds it was not ready while expected to be; {@link #expectDown} pauses the
 * count while a scenario has killed it on purpose. One daemon thread; thread-safe.
 */
final class DaemonWatch implements AutoCloseable {
    private final DaemonProcess daemon;
    private final AtomicBoolean expectDown = new AtomicBoolean();
    private final AtomicLong samples = new AtomicLong();
    private final AtomicLong notReady = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private final boolean restartOnCrash;

    /** @param restartOnCrash start the daemon again when it is found gone without having been killed on purpose */
    DaemonWatch(DaemonProcess daemon, boolean restartOnCrash) {
        this.daemon = daemon;
        this.restartOnCrash = restartOnCrash;
        this.thread = Thread.ofPlatform().daemon().name("daemon-watch").start(this::loop);
    }

    private void loop() {
        while (running.get()) {
            long t0 = System.nanoTime();
            if (!expectDown.get()) {
                if (!daemon.alive() && restartOnCrash) {
                    restart();
                }
                daemon.sample();
                samples.incrementAndGet();
                if (!daemon.ready()) {
                    notReady.incrementAndGet();
                }
            }
            long rest = 1000 - (System.nanoTime() - t0) / 1_000_000;
            if (rest > 0) {
                try {
                    Thread.sleep(rest); // the sampling interval
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private void restart() {
        try {
            daemon.start(java.time.Duration.ofSeconds(120));
        } catch (RuntimeException e) {
            System.err.println("daemon-watch: restart after a crash failed: " + e.getMessage());
        }
    }

    /** While true, the daemon is down on purpose: no samples, no not-ready count. */
    void expectDown(boolean down) {
        expectDown.set(down);
    }

    long samples() {
        return samples.get();
    }

    /** Samples (about seconds) at which {@code /ready} did not answer 200 while the daemon was expected up. */
    long notReadySamples() {
        return notReady.get();
    }

    @Override
    public void close() {
        running.set(false);
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
