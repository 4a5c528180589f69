package io.sluice.tls;

/**
 * At most {@code perSecond} log lines a second for one kind of event, so a storm of failures cannot flood the log;
 * the next line logged says how many were left out. Thread-safe (a lock held for a few instructions).
 */
final class LogLimit {
    private final int perSecond;
    private long windowStart;
    private int inWindow;
    private long suppressed;
    private long reportSuppressed;

    LogLimit(int perSecond) {
        this.perSecond = perSecond;
    }

    /** True when a line may be written now. */
    synchronized boolean tryAcquire() {
        long now = System.nanoTime();
        if (now - windowStart >= 1_000_000_000L) {
            windowStart = now;
            inWindow = 0;
        }
        if (inWindow < perSecond) {
            inWindow++;
            reportSuppressed = suppressed;
            suppressed = 0;
            return true;
        }
        suppressed++;
        return false;
    }

    /** For the line just allowed: how many were left out before it, or "". */
    synchronized String suppressedNote() {
        return reportSuppressed == 0 ? "" : " (" + reportSuppressed + " similar line(s) left out before this one)";
    }
}
