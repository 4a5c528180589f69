package io.sluice.sinks.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the sessions topic live from where a load stopped: every record written after it, by any node, goes to
 * the listener in log order per partition (so per key). Records whose key holds {@code \0} (other records of a
 * session: remembered QoS 2 packet ids, outbound QoS 2 state, wills) are skipped here.
 *
 * <p>Threading: its own thread ({@code sluice-session-follower}) owns the consumer; {@link #close} and
 * {@link #caughtUp} may be called from any thread. It holds at most one poll's records ({@code max.poll.records}) and
 * hands each on before the next poll. An outage of Kafka only delays it: a failed poll is logged once per outage and
 * retried after a pause.
 *
 * <p>Catching up ({@link #caughtUp}): the questions asked since the last poll share one request for the partitions'
 * end offsets; each is answered once every record up to those ends has been handed on. Those waiting are as many as
 * the callers waiting (CONNECTs being handled), each a future and a map of the assigned partitions.
 */
final class SessionFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SessionFollower.class);
    /** The header naming the node that wrote a sessions-topic record. */
    static final String NODE_HEADER = "sluice.node";
    private static final Duration POLL = Duration.ofMillis(200);
    private static final long RETRY_PAUSE_MS = 1_000;
    private static final Duration END_OFFSETS_TIMEOUT = Duration.ofSeconds(2);

    private final Consumer<String, byte[]> consumer;
    private final String topic;
    private final KafkaSessionLog.RecordListener listener;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final LongAdder records = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder polls = new LongAdder();
    private final Thread thread;
    /** Asked since the last look; the follower thread takes them. */
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> asked = new ConcurrentLinkedQueue<>();
    /** Follower thread only: each waits until every partition's position reaches its end offset when asked. */
    private final List<Waiting> waiting = new ArrayList<>();

    private record Waiting(CompletableFuture<Void> done, Map<TopicPartition, Long> ends) {
    }

    /** Starts following {@code from} (partition to offset), on a thread of its own. */
    SessionFollower(Consumer<String, byte[]> consumer, String topic, Map<TopicPartition, Long> from,
                    KafkaSessionLog.RecordListener listener) {
        this.consumer = consumer;
        this.topic = topic;
        this.listener = listener;
        consumer.assign(from.keySet());
        from.forEach(consumer::seek);
        this.thread = new Thread(this::run, "sluice-session-follower");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        boolean failing = false;
        try {
            while (!closed.get()) {
                Iterable<ConsumerRecord<String, byte[]>> batch;
                try {
                    takeQuestions();
                    answer();
                    batch = consumer.poll(POLL);
                    polls.increment();
                    if (failing) {
                        LOG.info("Following session topic '{}' again", topic);
                        failing = false;
                    }
                } catch (WakeupException e) {
                    if (closed.get()) {
                        break;
                    }
                    continue; // woken to take a question
                } catch (RuntimeException e) {
                    failures.increment();
                    if (!failing) {
                        LOG.warn("Cannot follow session topic '{}' for now (retrying; sessions other nodes change"
                                + " meanwhile are seen later): {}", topic, Failures.reason(e));
                        failing = true;
                    }
                    pause();
                    continue;
                }
                for (ConsumerRecord<String, byte[]> r : batch) {
                    records.increment();
                    if (r.key() == null || r.key().indexOf('\u0000') >= 0) {
                        continue; // not a session's own record
                    }
                    try {
                        listener.onRecord(r.key(), r.value(), writer(r));
                    } catch (RuntimeException e) {
                        LOG.warn("Skipping session record of '{}' at {}-{}@{}: {}", r.key(), topic, r.partition(),
                                r.offset(), e.toString());
                    }
                }
            }
        } finally {
            CancellationException gone = new CancellationException("session follower closed");
            waiting.forEach(w -> w.done().completeExceptionally(gone));
            asked.forEach(f -> f.completeExceptionally(gone));
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Completes once this follower has handed on every record that was in the topic when called (by any node), so
     * what the caller then reads of a session includes every write made before it asked. Fails when the end offsets
     * cannot be had (Kafka unreachable: the caller bounds its wait) or the follower closes. Never blocks.
     */
    CompletableFuture<Void> caughtUp() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (closed.get()) {
            f.completeExceptionally(new CancellationException("session follower closed"));
            return f;
        }
        asked.add(f);
        consumer.wakeup(); // a poll in progress returns at once
        return f;
    }

    /** Follower thread: one end-offsets request for everything asked since the last look. */
    private void takeQuestions() {
        if (asked.isEmpty()) {
            return;
        }
        List<CompletableFuture<Void>> now = new ArrayList<>();
        for (CompletableFuture<Void> f; (f = asked.poll()) != null; ) {
            now.add(f);
        }
        Map<TopicPartition, Long> ends;
        try {
            ends = consumer.endOffsets(consumer.assignment(), END_OFFSETS_TIMEOUT);
        } catch (WakeupException e) {
            asked.addAll(now); // asked again on the next look
            throw e;
        } catch (RuntimeException e) {
            now.forEach(f -> f.completeExceptionally(e));
            return;
        }
        for (CompletableFuture<Void> f : now) {
            waiting.add(new Waiting(f, ends));
        }
    }

    /** Follower thread: completes those whose partitions are read up to the ends they wait for. */
    private void answer() {
        for (Iterator<Waiting> it = waiting.iterator(); it.hasNext(); ) {
            Waiting w = it.next();
            if (w.done().isDone() || readTo(w.ends())) {
                it.remove();
                w.done().complete(null);
            }
        }
    }

    private boolean readTo(Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void pause() {
        synchronized (this) {
            try {
                if (!closed.get()) {
                    wait(RETRY_PAUSE_MS); // woken by close
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closed.set(true);
            }
        }
    }

    private static String writer(ConsumerRecord<String, byte[]> r) {
        Header h = r.headers().lastHeader(NODE_HEADER);
        return h == null || h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** Records read since it started (those skipped included). */
    long recordsRead() {
        return records.sum();
    }

    /** Polls that returned (with records or none). */
    long polls() {
        return polls.sum();
    }

    /** Polls that failed (Kafka unreachable, ...). */
    long failedPolls() {
        return failures.sum();
    }

    /** Stops following and closes the consumer; waits up to a few seconds for the thread. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        consumer.wakeup();
        synchronized (this) {
            notifyAll();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
