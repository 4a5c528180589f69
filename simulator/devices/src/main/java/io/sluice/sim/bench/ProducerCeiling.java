package io.sluice.sim.bench;

import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A hand-written Kafka producer ceiling for the records Sluice writes: the same settings Sluice uses
 * ({@link SluiceProducerSettings}), the same keys and payloads, sent from this JVM as fast as the producer takes
 * them. Complements {@link ProducerPerformanceRun} (Kafka's own tool, unkeyed records, its own JVM).
 */
final class ProducerCeiling {
    private ProducerCeiling() {
    }

    /** Sends {@code devices x perDevice} records; returns records acknowledged per second. */
    static double run(String bootstrap, String topic, int devices, int perDevice, int payloadBytes) throws Exception {
        Properties p = new Properties();
        p.putAll(SluiceProducerSettings.of(bootstrap));
        long total = (long) devices * perDevice;
        CountDownLatch done = new CountDownLatch(1);
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        try (KafkaProducer<String, byte[]> producer =
                     new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            long t0 = System.nanoTime();
            for (int seq = 0; seq < perDevice; seq++) {
                for (int d = 0; d < devices; d++) {
                    String device = String.format("ceiling-%06d", d);
                    byte[] payload = io.sluice.sim.Reading.json(device, seq, System.currentTimeMillis(), payloadBytes);
                    producer.send(new ProducerRecord<>(topic, device, payload), (md, e) -> {
                        if (e != null) {
                            failed.incrementAndGet();
                        }
                        if (acked.incrementAndGet() == total) {
                            done.countDown();
                        }
                    });
                }
            }
            done.await();
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (failed.get() > 0) {
                throw new IllegalStateException(failed.get() + " records failed");
            }
            return total / seconds;
        }
    }
}
