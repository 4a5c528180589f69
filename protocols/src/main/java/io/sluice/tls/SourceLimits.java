package io.sluice.tls;

/**
 * Per-source-address bounds applied when a connection is accepted, before any TLS or MQTT work.
 *
 * @param ratePerSecond        new connections one address may open per second, sustained (0: no rate limit)
 * @param burst                new connections one address may open at once above that rate
 * @param maxPerSource         connections one address may hold open at once (0: no limit)
 * @param maxTrackedSources    addresses tracked at once; beyond it new addresses are admitted untracked only while
 *                             the table has room, so a table full of idle entries is swept first
 */
public record SourceLimits(int ratePerSecond, int burst, int maxPerSource, int maxTrackedSources) {
    public SourceLimits {
        if (ratePerSecond < 0 || burst < 1 || maxPerSource < 0 || maxTrackedSources < 1) {
            throw new IllegalArgumentException("invalid source limits: " + this);
        }
    }

    /** No limits at all (tests of other things). */
    public static SourceLimits none() {
        return new SourceLimits(0, 1, 0, 1_000_000);
    }

    boolean enabled() {
        return ratePerSecond > 0 || maxPerSource > 0;
    }
}
