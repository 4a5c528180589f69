package io.sluice.bench.moquette;

import io.moquette.interception.AbstractInterceptHandler;
import io.moquette.interception.messages.InterceptPublishMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Moquette's publish interceptor that forwards every PUBLISH to Kafka: key = client id, value = the payload as
 * received, one header with the MQTT topic. This is the naive bridge: Moquette has already sent the PUBACK when it
 * notifies its interceptors (PostOffice sends PUBACK, then hands the message to the interceptor pool), so a device
 * is acknowledged whether or not Kafka ever gets the record. A failed send is only counted here.
 *
 * <p>Threading: {@link #onPublish} runs on Moquette's interceptor pool (one thread unless
 * {@code intercept.thread_pool.size} says otherwise), fed by an unbounded queue; {@code KafkaProducer.send} may
 * block that thread up to {@code max.block.ms} when the producer's buffer is full, and the queue then grows. The
 * send callbacks run on the producer's I/O thread.
 */
final class KafkaForwarder extends AbstractInterceptHandler {
    static final String TOPIC_HEADER = "mqtt.topic";

    private final Producer<String, byte[]> producer;
    private final String kafkaTopic;
    private final LongAdder forwarded = new LongAdder();
    private final LongAdder acknowledged = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final AtomicBoolean failureLogged = new AtomicBoolean();

    KafkaForwarder(Producer<String, byte[]> producer, String kafkaTopic) {
        this.producer = producer;
        this.kafkaTopic = kafkaTopic;
    }

    @Override
    public String getID() {
        return "sluice-bench-kafka-forwarder";
    }

    @Override
    public Class<?>[] getInterceptedMessageTypes() {
        return new Class<?>[] {InterceptPublishMessage.class};
    }

    @Override
    public void onPublish(InterceptPublishMessage msg) {
        ByteBuf payload = msg.getPayload();
        byte[] value;
        try {
            value = ByteBufUtil.getBytes(payload);
        } finally {
            payload.release(); // the interceptor owns this retained duplicate
        }
        RecordHeaders headers = new RecordHeaders();
        headers.add(TOPIC_HEADER, msg.getTopicName().getBytes(StandardCharsets.UTF_8));
        forwarded.increment();
        try {
            producer.send(new ProducerRecord<>(kafkaTopic, null, null, msg.getClientID(), value, headers),
                    (metadata, e) -> {
                        if (e == null) {
                            acknowledged.increment();
                        } else {
                            fail(e);
                        }
                    });
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    @Override
    public void onSessionLoopError(Throwable error) {
        System.err.println("moquette session loop error: " + error);
    }

    private void fail(Exception e) {
        failed.increment();
        if (failureLogged.compareAndSet(false, true)) {
            System.err.println("forward to Kafka failed (already PUBACKed; further failures only counted): " + e);
        }
    }

    String counts() {
        return String.format("forwarded %d, acknowledged by Kafka %d, failed %d", forwarded.sum(), acknowledged.sum(),
                failed.sum());
    }
}
