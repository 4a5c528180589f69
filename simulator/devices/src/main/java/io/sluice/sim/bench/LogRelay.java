package io.sluice.sim.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The ceiling of any Kafka-fed writer, for {@code bench-fanout --relay-baseline}: it reads a round from the log as the
 * fan-out's consumer must (each record's topic header and payload, read committed) and, as the records arrive, writes
 * lines made before the clock started, a batch for every batch of records read. It decodes, orders and checks
 * nothing, so it is what reading the log adds to the plain writer and no more. One consumer for the JVM's life (as the
 * fan-out keeps its own), placed at each round's start offsets. Not thread-safe; blocks while it runs.
 */
final class LogRelay implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;

    LogRelay(String bootstrapServers) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // as the fan-out reads
        this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Reads {@code lines.size()} records from {@code start} and writes {@code lines} in batches of {@code batch} as
     * records arrive; returns once the TSDB acknowledged the last batch.
     *
     * @throws IllegalStateException when the log does not hold that many records within ten minutes
     */
    void run(String tsdbUrl, List<String> lines, int batch, Map<TopicPartition, Long> start) {
        consumer.assign(start.keySet());
        start.forEach(consumer::seek);
        long read = 0;
        long bytes = 0;
        int written = 0;
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        try (BenchLines api = BenchLines.open(tsdbUrl)) {
            while (written < lines.size()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("relay read " + read + " of " + lines.size() + " records");
                }
                for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(200))) {
                    bytes += FanoutBenchCommand.topicOf(rec).length + rec.value().length;
                    read++;
                }
                while (written < lines.size() && (read - written >= batch || read >= lines.size())) {
                    int to = Math.min(lines.size(), written + batch);
                    api.write(lines.subList(written, to));
                    written = to;
                }
            }
        }
        if (bytes == 0) {
            throw new IllegalStateException("relay read records without topics or payloads");
        }
    }

    /** {@code TOPIC P=OFFSET,P=OFFSET...}: the start offsets as one command argument, and back. */
    static String encode(Map<TopicPartition, Long> start) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<TopicPartition, Long> e : start.entrySet()) {
            sb.append(sb.isEmpty() ? e.getKey().topic() + " " : ",")
                    .append(e.getKey().partition()).append('=').append(e.getValue());
        }
        return sb.toString();
    }

    static Map<TopicPartition, Long> decode(String topicAndOffsets) {
        String[] parts = topicAndOffsets.split(" ", 2);
        Map<TopicPartition, Long> start = new LinkedHashMap<>();
        for (String po : parts[1].split(",")) {
            String[] kv = po.split("=", 2);
            start.put(new TopicPartition(parts[0], Integer.parseInt(kv[0])), Long.parseLong(kv[1]));
        }
        return start;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
