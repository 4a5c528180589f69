package io.sluice.sinks.fanout;

import io.sluice.sinks.FanoutListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's writer thread ({@code sluice-fanout-writer}): writes the batches the consumer thread hands over
 * ({@link #offer}) one at a time, in order, and hands each back written ({@link #pollDone}) once every point of it is
 * in the TSDB or dead-lettered (refused points go to the dead letters, sent without waiting). A batch the TSDB cannot
 * take is kept and retried after an exponential backoff honouring Retry-After, until it is written, a rebalance
 * abandons it ({@link #abandonAll}: its generation is over), or the writer stops. At most {@code capacity} batches
 * wait. A failure of the writer itself ends the thread and is reported by {@link #fatal}.
 *
 * <p>Threading: {@link #offer}, {@link #pollDone}, {@link #abandonAll} and {@link #draining} from the consumer
 * thread; counters from any thread.
 */
final class BatchWriter {
    private static final Logger LOG = LoggerFactory.getLogger(BatchWriter.class);

    /**
     * A batch handed to the writer, with the offsets to commit once it is written; {@code timeOrdered}: its points
     * were taken in time order (the common case).
     */
    record Job(int generation, List<MicroBatcher.Entry<ConsumerRecord<byte[], byte[]>>> entries,
               boolean timeOrdered, Map<TopicPartition, OffsetAndMetadata> offsets) {
    }

    private final InfluxWriter writer;
    private final DeadLetters deadLetters;
    private final Backoff backoff;
    private final FanoutListener listener;
    private final Duration bisectionBudget;
    private final long writeTimeoutMs;
    private final BlockingQueue<Job> jobs;
    private final BlockingQueue<Job> done = new LinkedBlockingQueue<>();
    private final Thread thread = new Thread(this::run, "sluice-fanout-writer");
    private volatile boolean stalled;
    private volatile String lastFailure = "";
    private volatile boolean draining;
    private volatile boolean stopped;
    private volatile Throwable fatal;
    /** Bumped by a rebalance: batches of an older generation are neither retried nor committed. */
    private volatile int generation;
    final AtomicLong written = new AtomicLong();
    final AtomicLong batches = new AtomicLong();
    final AtomicLong retries = new AtomicLong();
    final AtomicLong writeNanos = new AtomicLong();

    BatchWriter(InfluxWriter writer, DeadLetters deadLetters, Backoff backoff, FanoutListener listener,
                Duration bisectionBudget, long writeTimeoutMs, int capacity) {
        this.writer = writer;
        this.deadLetters = deadLetters;
        this.backoff = backoff;
        this.listener = listener;
        this.bisectionBudget = bisectionBudget;
        this.writeTimeoutMs = writeTimeoutMs;
        this.jobs = new ArrayBlockingQueue<>(capacity);
    }

    void start() {
        thread.setDaemon(true);
        thread.start();
    }

    /** The current generation, for new jobs. */
    int generation() {
        return generation;
    }

    /** Hands a job over; false when {@code capacity} jobs already wait. */
    boolean offer(Job job) {
        return jobs.offer(job);
    }

    /** Hands a job over, waiting up to {@code timeoutMs} for room. */
    boolean offer(Job job, long timeoutMs) throws InterruptedException {
        return jobs.offer(job, timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** The next job written, waiting up to {@code timeoutMs} (0: not at all); null when none. */
    Job pollDone(long timeoutMs) throws InterruptedException {
        return timeoutMs > 0 ? done.poll(timeoutMs, TimeUnit.MILLISECONDS) : done.poll();
    }

    /** True while the batch being written found the TSDB unavailable and waits to be retried. */
    boolean stalled() {
        return stalled;
    }

    /** Why the TSDB did not take the batch being retried; empty once a write went through. */
    String lastFailure() {
        return lastFailure;
    }

    /** Closing: a batch the TSDB cannot take is given up after one try (it stays uncommitted). */
    void draining() {
        draining = true;
    }

    /** What ended the writer thread, or null. */
    Throwable fatal() {
        return fatal;
    }

    /** A rebalance: every job handed over is abandoned (neither retried nor reported written). */
    void abandonAll() {
        generation++;
        jobs.clear();
    }

    /** Ends the thread: a batch still retrying is given up (its offsets were never committed). */
    void stop() {
        stopped = true;
        thread.interrupt();
        try {
            thread.join(writeTimeoutMs + 5_000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (!stopped) {
            Job job;
            try {
                job = jobs.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                continue; // stopped is checked above
            }
            if (job != null) {
                try {
                    write(job);
                } catch (Throwable e) { // ends the member (its consumer thread sees fatal) rather than leave it waiting
                    LOG.error("Fan-out writer failed; uncommitted records will be re-read", e);
                    fatal = e;
                    return;
                }
            }
        }
    }

    private void write(Job job) {
        List<MicroBatcher.Entry<ConsumerRecord<byte[], byte[]>>> entries = job.timeOrdered() ? job.entries()
                : inTimeOrder(job.entries());
        while (!stopped && job.generation() == generation) {
            long started = System.nanoTime();
            try {
                InfluxWriter.Result<ConsumerRecord<byte[], byte[]>> r = writer.write(entries, bisectionBudget);
                long took = System.nanoTime() - started;
                writeNanos.addAndGet(took);
                listener.written(r.written(), took);
                for (int i = 0; i < r.rejected().size() && job.generation() == generation; i++) {
                    // a batch a rebalance abandoned sends none: its next owner dead-letters its records
                    InfluxWriter.Rejected<ConsumerRecord<byte[], byte[]>> bad = r.rejected().get(i);
                    String reason = !bad.isolated() ? "unresolved"
                            : bad.status() == 413 ? "too_large" : "rejected_by_tsdb";
                    deadLetters.send(bad.entry().source(), reason, bad.message(), bad.status(),
                            bad.entry().point().line());
                }
                written.addAndGet(r.written());
                batches.incrementAndGet();
                backoff.reset();
                stalled = false;
                lastFailure = "";
                done.add(job);
                return;
            } catch (TsdbUnavailableException e) {
                retries.incrementAndGet();
                stalled = true;
                lastFailure = e.getMessage();
                Duration delay = backoff.next(e.retryAfter());
                LOG.warn("TSDB unavailable ({}); {} points kept, retry {} in {} ms", e.getMessage(),
                        entries.size(), backoff.attempts(), delay.toMillis());
                if (draining) {
                    return; // closing: the batch stays unwritten and uncommitted
                }
                long until = System.nanoTime() + delay.toNanos();
                while (!stopped && job.generation() == generation && System.nanoTime() < until) {
                    LockSupport.parkNanos(Math.min(until - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(100)));
                }
            }
        }
    }

    /**
     * The batch in time order. A batch mixes partitions, so its points arrive out of time order, which a TSDB takes
     * far more dearly (QuestDB merges out-of-order rows into its partitions). The sort is stable: points of one
     * series and time keep their log order, so the later one still wins.
     */
    static <S> List<MicroBatcher.Entry<S>> inTimeOrder(List<MicroBatcher.Entry<S>> drained) {
        int n = drained.size();
        long[] keys = new long[n];
        boolean sorted = true;
        for (int i = 0; i < n; i++) {
            keys[i] = drained.get(i).point().time();
            sorted &= i == 0 || keys[i - 1] <= keys[i];
        }
        if (sorted) {
            return drained; // the common case since records are taken across partitions in time order
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(keys[a], keys[b])); // merge sort: stable
        List<MicroBatcher.Entry<S>> out = new ArrayList<>(n);
        for (Integer i : order) {
            out.add(drained.get(i));
        }
        return out;
    }
}
