package io.sluice.daemon.it;

import io.sluice.daemon.SluiceDaemon;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What the downlink tests do as a backend and an operator would: write downlink records with a plain Kafka producer,
 * read a consumer group's committed offsets, ask a daemon's admin endpoint.
 */
final class Backend {
    private Backend() {
    }

    static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** Writes one downlink record, keyed {@code key}, to partition 0 of {@code topic}; returns its offset. */
    static long write(KafkaProducer<String, byte[]> producer, String topic, String key, String payload,
                      String... headerNameValue) throws Exception {
        RecordHeaders h = new RecordHeaders();
        for (int i = 0; i < headerNameValue.length; i += 2) {
            h.add(headerNameValue[i], headerNameValue[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return producer.send(new ProducerRecord<>(topic, 0, key, payload.getBytes(StandardCharsets.UTF_8), h))
                .get(30, TimeUnit.SECONDS).offset();
    }

    /** The committed offset of partition {@code partition} of {@code topic} in {@code group}; -1 when none. */
    static long committed(Admin admin, String group, String topic, int partition) throws Exception {
        OffsetAndMetadata o = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS).get(new TopicPartition(topic, partition));
        return o == null ? -1 : o.offset();
    }

    /** The first group of {@code regex} in {@code yaml} (a topic or group name a test's YAML holds). */
    static String value(String yaml, String regex) {
        Matcher m = Pattern.compile(regex).matcher(yaml);
        if (!m.find()) {
            throw new AssertionError(regex + " in " + yaml);
        }
        return m.group(1);
    }

    /** GET {@code path} of {@code daemon}'s admin endpoint with its token; the body. */
    static String admin(SluiceDaemon daemon, String path) throws Exception {
        String token = Files.readString(Path.of(daemon.config().admin().tokenFile())).trim();
        var request = java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + daemon.adminPort() + path))
                .header("Authorization", "Bearer " + token).build();
        return java.net.http.HttpClient.newHttpClient().send(request,
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }
}
