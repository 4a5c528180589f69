package io.sluice.daemon.internal;

import io.sluice.ingest.Delivery;
import io.sluice.ingest.Envelope;
import io.sluice.ingest.ExactlyOnce;
import io.sluice.ingest.Ingest;
import io.sluice.security.Identity;
import io.sluice.sinks.AppendResult;
import io.sluice.sinks.HeaderLayout;
import io.sluice.sinks.LogHeader;
import io.sluice.sinks.LogRecord;
import io.sluice.sinks.ReadingHeader;
import io.sluice.sinks.kafka.KafkaLog;
import io.sluice.sinks.kafka.KafkaTransactionalLog;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Connects the front ends to the Kafka log: each envelope becomes one record (key = client id, value = payload
 * unchanged, headers = where it came from, in the configured {@link HeaderLayout}) and each append result becomes a
 * {@link Delivery}.
 * Non-blocking, as {@link Ingest} requires: {@link KafkaLog#append} hands off to its sender thread.
 */
public final class LogIngest implements Ingest {
    private final KafkaLog log;
    private final byte[] nodeId;
    private final HeaderLayout layout;
    /** The atomic reading-and-session write of MQTT QoS 2; null when QoS 2 is off. */
    private final ExactlyOnce exactlyOnce;

    public LogIngest(KafkaLog log, String nodeId, HeaderLayout layout) {
        this(log, null, nodeId, layout);
    }

    /** With {@code transactional} (null: none) writing QoS 2 readings together with their session records. */
    public LogIngest(KafkaLog log, KafkaTransactionalLog transactional, String nodeId, HeaderLayout layout) {
        this.log = log;
        this.nodeId = utf8(nodeId);
        this.layout = layout;
        this.exactlyOnce = transactional == null ? null : (envelope, key, value) ->
                transactional.append(toRecord(envelope, this.nodeId, layout), key, value).thenApply(LogIngest::toDelivery);
    }

    @Override
    public CompletionStage<Delivery> submit(Envelope envelope) {
        return log.append(toRecord(envelope, nodeId, layout)).thenApply(LogIngest::toDelivery);
    }

    @Override
    public ExactlyOnce exactlyOnce() {
        return exactlyOnce;
    }

    /**
     * The log record of one envelope as this node writes it: the record format the fan-out and the benchmarks read
     * ({@code nodeId} as UTF-8 bytes).
     */
    public static LogRecord toRecord(Envelope e, byte[] nodeId, HeaderLayout layout) {
        List<LogHeader> headers = new ArrayList<>(8 + e.userProperties().size());
        if (layout == HeaderLayout.COMPACT) {
            headers.add(new LogHeader(ReadingHeader.KEY, ReadingHeader.encode(e.receivedAtNanos(), e.protocol(),
                    e.protocolVersion(), e.qos(), nodeId, e.topic())));
        } else {
            // topic and receive time first: the fan-out reads these two per record and stops looking once it has them
            headers.add(new LogHeader(RecordHeaders.TOPIC, utf8(e.topic())));
            headers.add(new LogHeader(RecordHeaders.RECEIVED_NS, utf8(Long.toString(e.receivedAtNanos()))));
            headers.add(new LogHeader(RecordHeaders.PROTOCOL, utf8(e.protocol())));
            if (e.protocolVersion() != null) {
                headers.add(new LogHeader(RecordHeaders.PROTOCOL_VERSION, utf8(e.protocolVersion())));
            }
            headers.add(new LogHeader(RecordHeaders.QOS, utf8(Integer.toString(e.qos()))));
            headers.add(new LogHeader(RecordHeaders.NODE, nodeId));
        }
        headers.add(new LogHeader(RecordHeaders.IDENTITY, identity(e.identity())));
        if (e.contentType() != null) {
            headers.add(new LogHeader(RecordHeaders.CONTENT_TYPE, utf8(e.contentType())));
        }
        if (e.source() != null) {
            headers.add(new LogHeader(RecordHeaders.SOURCE, utf8(e.source())));
        }
        for (Envelope.UserProperty p : e.userProperties()) {
            headers.add(new LogHeader(RecordHeaders.USER_PROPERTY_PREFIX + p.name(), utf8(p.value())));
        }
        return new LogRecord(e.clientId(), e.payload(), headers);
    }

    private static final byte[] ANONYMOUS = utf8(Identity.Method.ANONYMOUS.label());

    /** The identity header's value: the method, and after a space the name, when there is one. */
    static byte[] identity(Identity id) {
        return id.anonymous() ? ANONYMOUS : utf8(id.method().label() + " " + id.name());
    }

    static Delivery toDelivery(AppendResult r) {
        return switch (r.status()) {
            case APPENDED -> Delivery.DELIVERED;
            case RETRYABLE -> Delivery.retryable(r.reason());
            case REJECTED -> Delivery.rejected(r.reason());
        };
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
