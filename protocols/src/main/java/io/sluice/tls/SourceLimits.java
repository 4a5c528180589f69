package io.sluice.tls;

/**
 * Per-source-address bounds applied when a connection is accepted, before any TLS or MQTT work.
 *
 * @param ratePerSecond        new connections one address may open per second, sustained (0: no rate limit)
 * @param burst                new connections one address may open at once above that rate
 * @param maxPerSource         connections one address may hold open at once (0: no limit)
 * @param maxTrackedSources    addresses tracked at once; when the table is full (after sweeping idle entries) a new
 *                             address is admitted without being tracked (event source_table_full)
 * @param exempt               CIDR networks the limits do not apply to (a local TLS proxy, a load balancer)
 */
public record SourceLimits(int ratePerSecond, int burst, int maxPerSource, int maxTrackedSources,
                           java.util.List<String> exempt) {
    public SourceLimits {
        exempt = java.util.List.copyOf(exempt);
        exempt.forEach(io.sluice.udp.internal.Cidr::parse);
        if (ratePerSecond < 0 || burst < 1 || maxPerSource < 0 || maxTrackedSources < 1) {
            throw new IllegalArgumentException("invalid source limits: " + this);
        }
    }

    public SourceLimits(int ratePerSecond, int burst, int maxPerSource, int maxTrackedSources) {
        this(ratePerSecond, burst, maxPerSource, maxTrackedSources, java.util.List.of());
    }

    /** No limits at all (tests of other things). */
    public static SourceLimits none() {
        return new SourceLimits(0, 1, 0, 1_000_000);
    }

    boolean enabled() {
        return ratePerSecond > 0 || maxPerSource > 0;
    }
}
