package io.sluice.sinks.downlink.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.delivery.Message;
import io.sluice.delivery.Publisher;
import io.sluice.ingest.Delivery;
import io.sluice.sinks.downlink.DownlinkConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The consumer loop against Kafka's own MockConsumer, with publish outcomes completed by hand: the commit rule, the
 * retry of a retryable outcome, the pause at the pending bound, and a poll failure that must not end the thread.
 */
class DownlinkReaderTest {
    private static final String TOPIC = "sluice.downlink";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** One publish the reader asked for, with the stage the test completes. */
    private record Asked(Message message, CompletableFuture<Delivery> outcome) {
    }

    /** Kafka's MockConsumer, whose poll returns at once even when it has nothing: here it waits a little then. */
    private static final class IdlingConsumer extends MockConsumer<String, byte[]> {
        /** Polls made so far: the reader going round its loop, which tests wait on to know time has passed in it. */
        final java.util.concurrent.atomic.AtomicLong polls = new java.util.concurrent.atomic.AtomicLong();

        /** Every record added, so a seek back hands them over again as a real consumer's next fetch would. */
        private final List<ConsumerRecord<String, byte[]>> added = new CopyOnWriteArrayList<>();

        IdlingConsumer() {
            super("earliest");
        }

        @Override
        public synchronized void addRecord(ConsumerRecord<String, byte[]> record) {
            added.add(record);
            super.addRecord(record);
        }

        @Override
        public synchronized void seek(TopicPartition partition, long offset) {
            super.seek(partition, offset);
            for (ConsumerRecord<String, byte[]> r : added) {
                if (r.partition() == partition.partition() && r.offset() >= offset) {
                    super.addRecord(r);
                }
            }
        }

        @Override
        public ConsumerRecords<String, byte[]> poll(Duration timeout) {
            polls.incrementAndGet();
            ConsumerRecords<String, byte[]> records = super.poll(timeout);
            if (records.isEmpty() && !timeout.isZero()) {
                try {
                    Thread.sleep(Math.min(2, timeout.toMillis())); // keeps the reader loop from spinning a core
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return records;
        }
    }

    private final IdlingConsumer consumer = new IdlingConsumer();
    private final List<Asked> asked = new CopyOnWriteArrayList<>();
    private DownlinkReader reader;

    private DownlinkReader start(int maxPendingRecords, int maxPollRecords, Function<Message, Delivery> auto) {
        return start(maxPendingRecords, DownlinkConfig.DEFAULT_MAX_PENDING_BYTES, maxPollRecords, auto);
    }

    private DownlinkReader start(int maxPendingRecords, long maxPendingBytes, int maxPollRecords,
                                 Function<Message, Delivery> auto) {
        Publisher publisher = m -> {
            CompletableFuture<Delivery> f = new CompletableFuture<>();
            asked.add(new Asked(m, f));
            Delivery d = auto == null ? null : auto.apply(m);
            if (d != null) {
                f.complete(d);
            }
            return f;
        };
        DownlinkConfig config = new DownlinkConfig("127.0.0.1:9", TOPIC, "g", maxPendingRecords, maxPendingBytes, 10, 1_000, "c",
                Map.of());
        reader = new DownlinkReader(config, consumer, publisher, maxPollRecords);
        consumer.updateBeginningOffsets(Map.of(P0, 0L));
        reader.start();
        consumer.rebalance(List.of(P0));
        return reader;
    }

    @AfterEach
    void close() {
        if (reader != null) {
            reader.close(Duration.ofSeconds(5));
        }
    }

    private void add(long offset, String topic) {
        add(offset, topic, topic.getBytes(UTF_8));
    }

    /** A record of {@code value}; its bytes as the bound counts them: 1 (key) + 12 + the topic (header) + value. */
    private void add(long offset, String topic, byte[] value) {
        RecordHeaders h = new RecordHeaders();
        h.add("sluice.topic", topic.getBytes(UTF_8));
        consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, offset, 0L, TimestampType.CREATE_TIME, 0, 0, "k",
                value, h, Optional.empty()));
    }

    private Long committed() {
        OffsetAndMetadata o = consumer.committed(Set.of(P0)).get(P0);
        return o == null ? null : o.offset();
    }

    /** Waits until the reader has polled {@code more} more times than now. */
    private void awaitPolls(int more) {
        long target = consumer.polls.get() + more;
        await().atMost(WAIT).until(() -> consumer.polls.get() >= target);
    }

    @Test
    void theCommittedOffset_neverPassesARecordWhosePublishHasNotCompleted() {
        start(100, 10, null);
        add(0, "cmd/a");
        add(1, "cmd/b");
        add(2, "cmd/c");
        await().atMost(WAIT).until(() -> asked.size() == 3);

        asked.get(1).outcome().complete(Delivery.DELIVERED);
        asked.get(2).outcome().complete(Delivery.DELIVERED);
        await().atMost(WAIT).until(() -> reader.stats().published() == 2);
        // the reader goes round its loop 50 times (each idle poll waits 2 ms: several commit intervals of 10 ms)
        // with 1 and 2 finished and 0 not
        awaitPolls(50);
        Long early = committed();
        assertTrue(early == null || early == 0, "nothing committed past offset 0 while it is not durable: " + early);
        assertEquals(1, reader.stats().pending());

        asked.get(0).outcome().complete(Delivery.DELIVERED);
        await().atMost(WAIT).until(() -> Long.valueOf(3).equals(committed()));
        assertEquals(0, reader.stats().pending());
    }

    @Test
    void aRetryableOutcome_isPublishedAgain_andTheOffsetWaitsForIt() {
        start(100, 10, m -> null);
        add(0, "cmd/a");
        await().atMost(WAIT).until(() -> asked.size() == 1);
        asked.get(0).outcome().complete(Delivery.retryable("kafka: TimeoutException"));

        await().atMost(WAIT).until(() -> asked.size() == 2);
        assertEquals("cmd/a", asked.get(1).message().topic(), "the same record again");
        assertEquals(1, reader.stats().retries());
        assertNull(committed());

        asked.get(1).outcome().complete(Delivery.DELIVERED);
        await().atMost(WAIT).until(() -> Long.valueOf(1).equals(committed()));
    }

    @Test
    void aRefusedRecord_isCountedAndFinished_andAnUndecodableOneSkipped_neverStallingTheOffset() {
        start(100, 10, m -> m.topic().equals("cmd/full") ? Delivery.rejected("retained messages full")
                : Delivery.DELIVERED);
        add(0, "cmd/full");
        add(1, "cmd/+"); // a wildcard: undecodable, never published
        add(2, "cmd/ok");

        await().atMost(WAIT).until(() -> Long.valueOf(3).equals(committed()));
        assertEquals(1, reader.stats().refused());
        assertEquals(1, reader.stats().undecodable());
        assertEquals(1, reader.stats().published());
        assertEquals(List.of("cmd/full", "cmd/ok"), asked.stream().map(a -> a.message().topic()).toList());
    }

    @Test
    void atMaxPendingRecords_thePartitionsPause_untilAPublishCompletes() {
        start(2, 1, null);
        add(0, "cmd/a");
        add(1, "cmd/b");
        await().atMost(WAIT).until(() -> asked.size() == 2);
        await().atMost(WAIT).until(() -> reader.stats().paused());
        assertTrue(consumer.paused().contains(P0));
        // (MockConsumer hands over whatever it holds; the real consumer at most max.poll.records per poll)
        add(2, "cmd/c");
        awaitPolls(3); // the reader goes round its paused loop (a poll about every 100 ms) and reads nothing more
        assertEquals(2, asked.size(), "no third record read while two are pending");

        asked.get(0).outcome().complete(Delivery.DELIVERED);
        await().atMost(WAIT).until(() -> asked.size() == 3);
        assertEquals("cmd/c", asked.get(2).message().topic());
    }

    @Test
    void aPollFailure_doesNotEndTheReader() {
        start(100, 10, m -> Delivery.DELIVERED);
        consumer.setPollException(new KafkaException("broker said no"));
        add(0, "cmd/a");

        await().atMost(WAIT).until(() -> Long.valueOf(1).equals(committed()));
        assertEquals(1, reader.stats().published());
    }

    @Test
    void atMaxPendingBytes_aRecordThatDoesNotFit_waitsUnread_andIsReadOnceThereIsRoom() {
        start(100, 1_000, 10, null);
        add(0, "cmd/a", new byte[600]); // 618 bytes
        add(1, "cmd/b", new byte[600]); // 618 more would pass 1,000
        add(2, "cmd/c", new byte[10]); // after b in its partition: waits with it
        await().atMost(WAIT).until(() -> asked.size() == 1);
        await().atMost(WAIT).until(() -> reader.stats().pausedByBytes());
        assertTrue(consumer.paused().contains(P0));
        assertEquals(618, reader.stats().pendingBytes());
        awaitPolls(3); // the paused loop goes round and reads nothing more
        assertEquals(1, asked.size(), "b does not fit while a is pending");
        assertEquals(1, reader.stats().bytePauses());

        asked.get(0).outcome().complete(Delivery.DELIVERED);
        await().atMost(WAIT).until(() -> asked.size() == 3);
        assertEquals(List.of("cmd/a", "cmd/b", "cmd/c"), asked.stream().map(a -> a.message().topic()).toList(),
                "in offset order, each once");
        asked.get(1).outcome().complete(Delivery.DELIVERED);
        asked.get(2).outcome().complete(Delivery.DELIVERED);
        await().atMost(WAIT).until(() -> Long.valueOf(3).equals(committed()));
        assertEquals(0, reader.stats().pendingBytes());
        assertEquals(0, reader.stats().oversized());
        assertEquals(3, reader.stats().read());
    }

    @Test
    void aRecordLargerThanMaxPendingBytes_isTakenAlone_andCounted_soTheReaderNeverStalls() {
        start(100, 1_000, 10, null);
        add(0, "cmd/big", new byte[5_000]);
        add(1, "cmd/small", new byte[1]);
        await().atMost(WAIT).until(() -> asked.size() == 1);
        assertEquals(1, reader.stats().oversized());
        await().atMost(WAIT).until(() -> reader.stats().pausedByBytes());
        awaitPolls(3);
        assertEquals(1, asked.size(), "nothing else while the large one is pending");

        asked.get(0).outcome().complete(Delivery.DELIVERED);
        await().atMost(WAIT).until(() -> asked.size() == 2);
        asked.get(1).outcome().complete(Delivery.DELIVERED);
        await().atMost(WAIT).until(() -> Long.valueOf(2).equals(committed()));
        assertEquals(2, reader.stats().published());
    }
}
