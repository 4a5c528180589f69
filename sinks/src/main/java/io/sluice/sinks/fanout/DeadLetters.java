package io.sluice.sinks.fanout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fan-out's dead-letter producer: sends a record with its reason without waiting ({@link #send}), and lets the
 * committer wait for every dead letter sent before an offset is committed ({@link #takeSent}, {@link #acked},
 * {@link #await}), so many dead letters cost one round trip instead of one each.
 *
 * <p>The producer takes the configured client properties (security) and a {@code max.request.size} the caller sized
 * for the largest reading. A dead letter Kafka still refuses as too large is sent again without its value (header
 * {@link #HEADER_TRUNCATED} holds the value's size), so no reading's size can stop the fan-out. Messages and refused
 * lines in headers are cut to {@value #MAX_HEADER_CHARS} characters.
 *
 * <p>Thread-safe: {@link #send} from the consumer and writer threads; the rest from the consumer thread.
 */
final class DeadLetters implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    static final String HEADER_REASON = "sluice.dlq.reason";
    static final String HEADER_MESSAGE = "sluice.dlq.message";
    static final String HEADER_STATUS = "sluice.dlq.status";
    static final String HEADER_SOURCE = "sluice.dlq.source";
    static final String HEADER_LINE = "sluice.dlq.line";
    static final String HEADER_TRUNCATED = "sluice.dlq.truncated_value_bytes";
    static final int MAX_HEADER_CHARS = 4096;

    /** One dead letter on its way. */
    static final class Sent {
        volatile ProducerRecord<byte[], byte[]> record;
        final String reason;
        volatile Future<RecordMetadata> future;

        Sent(ProducerRecord<byte[], byte[]> record, String reason) {
            this.record = record;
            this.reason = reason;
        }
    }

    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;
    private final ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();
    private final AtomicLong acked = new AtomicLong();
    private final Map<String, LongAdder> ackedByReason = new ConcurrentHashMap<>();

    DeadLetters(String bootstrapServers, String topic, String clientId, Map<String, String> producerProperties) {
        this.topic = topic;
        Properties p = new Properties();
        p.putAll(producerProperties);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Sends {@code rec} as a dead letter with its reason; returns without waiting for Kafka. */
    void send(ConsumerRecord<byte[], byte[]> rec, String reason, String message, int status, String line) {
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(topic, rec.key(), rec.value());
        for (Header h : rec.headers()) {
            out.headers().add(h);
        }
        out.headers().add(HEADER_REASON, utf8(reason));
        out.headers().add(HEADER_MESSAGE, utf8(cut(message == null ? "" : message)));
        out.headers().add(HEADER_STATUS, utf8(Integer.toString(status)));
        out.headers().add(HEADER_SOURCE, utf8(rec.topic() + "-" + rec.partition() + "@" + rec.offset()));
        if (line != null) {
            out.headers().add(HEADER_LINE, utf8(cut(line)));
        }
        Sent s = new Sent(out, reason);
        s.future = send(s, out);
        sent.add(s);
        LOG.warn("Dead-lettered {}-{}@{}: {} ({})", rec.topic(), rec.partition(), rec.offset(), reason,
                cut(message));
    }

    private Future<RecordMetadata> send(Sent s, ProducerRecord<byte[], byte[]> out) {
        return producer.send(out, (md, e) -> {
            if (e == null) {
                acked.incrementAndGet();
                ackedByReason.computeIfAbsent(s.reason, k -> new LongAdder()).increment();
            }
        });
    }

    /** The dead letters sent since the last call: those a commit made now must wait for. */
    List<Sent> takeSent() {
        List<Sent> out = new ArrayList<>();
        for (Sent s = sent.poll(); s != null; s = sent.poll()) {
            out.add(s);
        }
        return out;
    }

    /**
     * True when Kafka acknowledged every one of {@code letters}; never blocks. A letter refused as too large is sent
     * again without its value.
     *
     * @throws IllegalStateException when Kafka refused one for good (the member ends; its records are re-read)
     */
    boolean acked(List<Sent> letters) {
        boolean all = true;
        for (Sent s : letters) {
            all &= isAcked(s);
        }
        return all;
    }

    /** Waits until every one of {@code letters} is acknowledged or {@code deadlineNanos} passes; true if all are. */
    boolean await(List<Sent> letters, long deadlineNanos) throws InterruptedException {
        for (Sent s : letters) {
            while (!isAcked(s)) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    s.future.get(left, TimeUnit.NANOSECONDS);
                } catch (TimeoutException | ExecutionException e) {
                    // isAcked decides: a failure is thrown or resent there, a timeout ends the wait above
                }
            }
        }
        return true;
    }

    private boolean isAcked(Sent s) {
        Future<RecordMetadata> f = s.future;
        if (!f.isDone()) {
            return false;
        }
        try {
            f.get();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RecordTooLargeException && s.record.value() != null) {
                ProducerRecord<byte[], byte[]> small = new ProducerRecord<>(topic, null, s.record.key(), null,
                        new org.apache.kafka.common.header.internals.RecordHeaders(s.record.headers().toArray()));
                small.headers().add(HEADER_TRUNCATED, utf8(Integer.toString(s.record.value().length)));
                LOG.warn("Dead letter of {} bytes refused as too large by Kafka; sending it without its value",
                        s.record.value().length);
                s.record = small;
                s.future = send(s, small);
                return false;
            }
            throw new IllegalStateException("cannot write dead letter to '" + topic + "'", e.getCause());
        }
    }

    long acked() {
        return acked.get();
    }

    Map<String, Long> ackedByReason() {
        Map<String, Long> out = new java.util.HashMap<>();
        ackedByReason.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(5));
    }

    private static String cut(String s) {
        return s == null || s.length() <= MAX_HEADER_CHARS ? s : s.substring(0, MAX_HEADER_CHARS - 3) + "...";
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
