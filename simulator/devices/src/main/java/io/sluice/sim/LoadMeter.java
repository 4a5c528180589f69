package io.sluice.sim;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What a load run measures while it runs: each completion's latency (HdrHistogram, microseconds), completions,
 * failures by kind, other events by kind (retransmissions, say), and once a second a {@link LoadReport.Second} of
 * the timeline and a progress line. Recording is thread-safe and does not block; the ticker is one daemon thread.
 */
final class LoadMeter implements AutoCloseable {
    private final Recorder latency = new Recorder(3);
    /** The same latencies, read out once a second for the timeline. */
    private final Recorder secondLatency = new Recorder(3);
    private final List<LoadReport.Second> timeline = new CopyOnWriteArrayList<>();
    private final LongAdder succeeded = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final Map<String, LongAdder> failuresByKind = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> events = new ConcurrentHashMap<>();
    private ScheduledExecutorService ticker;
    private long lastCompleted;
    private long lastFailed;

    /** One completion (PUBACK, or written at QoS 0), {@code micros} after it was sent or due. */
    void completed(long micros) {
        long v = Math.max(1, micros);
        latency.recordValue(v);
        secondLatency.recordValue(v);
        succeeded.increment();
    }

    /** One failed publish, counted under the kind of {@code error}. */
    void failed(Throwable error) {
        failed(kind(error));
    }

    void failed(String kind) {
        failures.increment();
        failuresByKind.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    /** Something that is not an outcome but worth counting (a retransmission, a congestion retry). */
    void event(String kind) {
        events.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    /**
     * The kind of a failure: {@link KindedException#kind()} where the simulator knows it, otherwise the exception's
     * class (HiveMQ's {@code Mqtt5PubAckException}, {@code ConnectionClosedException} ...), unwrapping completions.
     */
    static String kind(Throwable error) {
        Throwable t = error;
        while ((t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof KindedException k ? k.kind() : t.getClass().getSimpleName();
    }

    /**
     * Starts the once-a-second timeline and, when {@code progress} is not null, prints a line each second:
     * {@code N <outcome> (n/s), F failed} followed by {@code extra} (may be null).
     */
    synchronized void start(PrintStream progress, String outcome, Supplier<String> extra) {
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "load-meter");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(() -> tick(progress, outcome, extra), 1, 1, TimeUnit.SECONDS);
    }

    private synchronized void tick(PrintStream progress, String outcome, Supplier<String> extra) {
        long now = succeeded.sum();
        long failedNow = failures.sum();
        long completed = now - lastCompleted;
        lastCompleted = now;
        Histogram h = secondLatency.getIntervalHistogram();
        timeline.add(new LoadReport.Second(timeline.size() + 1, completed, failedNow - lastFailed,
                h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(50),
                h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(99)));
        lastFailed = failedNow;
        if (progress != null) {
            progress.printf("  %,d %s (%,d/s), %,d failed%s%n", now, outcome, completed, failedNow,
                    extra == null ? "" : extra.get());
        }
    }

    /** Stops the ticker; the timeline keeps the seconds it has. */
    @Override
    public synchronized void close() {
        if (ticker != null) {
            ticker.shutdownNow();
            ticker = null;
        }
    }

    /** Every latency recorded since the last call (call once, at the end of the run). */
    Histogram latency() {
        return latency.getIntervalHistogram();
    }

    List<LoadReport.Second> timeline() {
        return List.copyOf(timeline);
    }

    long succeeded() {
        return succeeded.sum();
    }

    long failures() {
        return failures.sum();
    }

    /** Failures by kind, sorted by kind. */
    Map<String, Long> failuresByKind() {
        return sum(failuresByKind);
    }

    /** Events by kind, sorted by kind. */
    Map<String, Long> events() {
        return sum(events);
    }

    private static Map<String, Long> sum(Map<String, LongAdder> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** An error whose kind the simulator names itself (a timeout, a negative acknowledgement's reason). */
    static class KindedException extends RuntimeException {
        private final String kind;

        KindedException(String kind, String message) {
            super(message);
            this.kind = kind;
        }

        String kind() {
            return kind;
        }
    }
}
