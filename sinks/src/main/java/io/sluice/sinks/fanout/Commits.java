package io.sluice.sinks.fanout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member's commits: offsets up to which every record is written or dead-lettered ({@link #done}) are committed,
 * never ahead of their dead letters. Periodically (at most every commit interval: a commit is a round trip and a
 * write to the broker) the offsets done are staged with the dead letters sent so far and committed once Kafka
 * acknowledged those letters, without waiting for it; {@link #commit}{@code (true)} (partitions given up, close)
 * commits everything done after waiting for its dead letters at most {@code waitMs}, or nothing if they are not
 * acknowledged by then (the next owner re-reads the records). A commit Kafka does not take (unreachable, timed out,
 * group moved) never ends the member: it is logged once per streak and tried again. Consumer thread only.
 */
final class Commits {
    private static final Logger LOG = LoggerFactory.getLogger(Commits.class);
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final DeadLetters deadLetters;
    private final long commitIntervalNanos;
    private final long waitMs;
    /** Offsets done and not yet staged. */
    private final Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
    /** Offsets done and the dead letters sent before them, waiting for Kafka to acknowledge those letters. */
    private Map<TopicPartition, OffsetAndMetadata> stagedOffsets;
    private List<DeadLetters.Sent> stagedLetters;
    private long lastCommitNanos = System.nanoTime();
    /** Failed commits in a row (for one log line per streak) and in all. */
    private int failures;
    private volatile long failuresTotal;

    Commits(KafkaConsumer<byte[], byte[]> consumer, DeadLetters deadLetters, Duration commitInterval, long waitMs) {
        this.consumer = consumer;
        this.deadLetters = deadLetters;
        this.commitIntervalNanos = commitInterval.toNanos();
        this.waitMs = waitMs;
    }

    /** Every record before these offsets is written or dead-lettered (later offsets replace earlier ones). */
    void done(Map<TopicPartition, OffsetAndMetadata> offsets) {
        done.putAll(offsets);
    }

    /** Drops everything not committed (the partitions were given up). */
    void forget() {
        done.clear();
        stagedOffsets = null;
        stagedLetters = null;
    }

    /** Commits what is done: {@code now}, waiting for its dead letters, or periodically without waiting. */
    void commit(boolean now) {
        if (now) {
            commitNow();
            return;
        }
        if (stagedOffsets == null && !done.isEmpty() && System.nanoTime() - lastCommitNanos >= commitIntervalNanos) {
            stagedOffsets = Map.copyOf(done);
            stagedLetters = deadLetters.takeSent(); // every letter of a record up to these offsets is among them
            done.clear();
        }
        if (stagedOffsets != null && deadLetters.acked(stagedLetters)) {
            Map<TopicPartition, OffsetAndMetadata> offsets = stagedOffsets;
            stagedOffsets = null;
            stagedLetters = null;
            if (commitSync(offsets) == Result.RETRY) {
                // their dead letters are acknowledged: the offsets go back with what was done since, and the next
                // interval tries again with the newest of both
                Map<TopicPartition, OffsetAndMetadata> merged = new HashMap<>(offsets);
                merged.putAll(done);
                done.clear();
                done.putAll(merged);
            }
        }
    }

    private void commitNow() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        List<DeadLetters.Sent> letters = new ArrayList<>();
        if (stagedOffsets != null) {
            offsets.putAll(stagedOffsets);
            letters.addAll(stagedLetters);
        }
        offsets.putAll(done); // later offsets replace staged ones
        letters.addAll(deadLetters.takeSent());
        forget();
        if (offsets.isEmpty()) {
            return;
        }
        boolean acked;
        try {
            acked = deadLetters.await(letters, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            acked = false;
        }
        if (!acked) {
            LOG.warn("Dead letters not acknowledged within {} ms; offsets not committed, the records will be"
                    + " re-read", waitMs);
            return;
        }
        commitSync(offsets);
    }

    private enum Result { COMMITTED, RETRY, DROPPED }

    /**
     * Commits, waiting up to the consumer's {@code default.api.timeout.ms}. Kafka being unreachable or slow (a
     * timeout, a coordinator moving) is expected, not an error of the member: the offsets are kept for the next
     * interval ({@link Result#RETRY}; on close and on revocation they are simply not committed, and the records are
     * re-read by the next owner: written again to the same series and timestamp, which the TSDB overwrites). A
     * commit refused because the member is no longer in the group drops the offsets for the same reason.
     */
    private Result commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        lastCommitNanos = System.nanoTime();
        try {
            consumer.commitSync(offsets);
        } catch (RetriableException e) {
            failed("will be retried", e);
            return Result.RETRY;
        } catch (CommitFailedException | RebalanceInProgressException e) {
            failed("the partitions' next owner re-reads those records", e);
            return Result.DROPPED;
        }
        if (failures > 0) {
            LOG.info("Offsets committed again after {} failed attempt(s)", failures);
            failures = 0;
        }
        return Result.COMMITTED;
    }

    private void failed(String consequence, KafkaException e) {
        failures++;
        failuresTotal++;
        if (failures == 1) { // one line per streak: an outage would otherwise log every commit interval
            LOG.warn("Offset commit failed, {} (nothing is lost: uncommitted records are re-read): {}", consequence,
                    e.toString());
        }
    }

    /** Commits that failed since start (Kafka unreachable, coordinator moved, member left the group). */
    long failedCommits() {
        return failuresTotal;
    }
}
