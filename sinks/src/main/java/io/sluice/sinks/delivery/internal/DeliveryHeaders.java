package io.sluice.sinks.delivery.internal;

import io.sluice.delivery.Message;
import io.sluice.ingest.Envelope.UserProperty;
import io.sluice.sinks.HeaderNames;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The record headers of a delivery or retained record (docs/RECORDS.md): everything of a {@link Message} but its
 * payload (the record's value) as UTF-8 text or raw bytes, so any Kafka tool shows them. What a reading record also
 * carries has the readings' names ({@link HeaderNames}). Optional fields are left out when absent. Stateless;
 * thread-safe.
 */
public final class DeliveryHeaders {
    public static final String TOPIC = HeaderNames.TOPIC;
    public static final String QOS = HeaderNames.QOS;
    public static final String RETAIN = "sluice.retain";
    public static final String PUBLISHER = "sluice.publisher";
    public static final String PUBLISHED_MS = "sluice.published_ms";
    public static final String EXPIRY_S = "mqtt.expiry_s";
    public static final String PAYLOAD_FORMAT = "mqtt.payload_format";
    public static final String CONTENT_TYPE = HeaderNames.CONTENT_TYPE;
    public static final String RESPONSE_TOPIC = "mqtt.response_topic";
    public static final String CORRELATION_DATA = "mqtt.correlation_data";
    public static final String USER_PROPERTY_PREFIX = HeaderNames.USER_PROPERTY_PREFIX;

    private static final byte[] ONE = {'1'};

    private DeliveryHeaders() {
    }

    /** The headers of {@code m}, in a fixed order; the arrays of {@code m} are shared, not copied. */
    public static Header[] encode(Message m) {
        List<Header> h = new ArrayList<>(8 + m.userProperties().size());
        h.add(new RecordHeader(TOPIC, utf8(m.topic())));
        h.add(new RecordHeader(QOS, new byte[] {(byte) ('0' + m.qos())}));
        if (m.retain()) {
            h.add(new RecordHeader(RETAIN, ONE));
        }
        h.add(new RecordHeader(PUBLISHER, utf8(m.publisherClientId())));
        h.add(new RecordHeader(PUBLISHED_MS, utf8(Long.toString(m.publishedAtMillis()))));
        if (m.expirySeconds() > 0) {
            h.add(new RecordHeader(EXPIRY_S, utf8(Long.toString(m.expirySeconds()))));
        }
        if (m.payloadFormat() >= 0) {
            h.add(new RecordHeader(PAYLOAD_FORMAT, new byte[] {(byte) ('0' + m.payloadFormat())}));
        }
        if (m.contentType() != null) {
            h.add(new RecordHeader(CONTENT_TYPE, utf8(m.contentType())));
        }
        if (m.responseTopic() != null) {
            h.add(new RecordHeader(RESPONSE_TOPIC, utf8(m.responseTopic())));
        }
        if (m.correlationData() != null) {
            h.add(new RecordHeader(CORRELATION_DATA, m.correlationData()));
        }
        for (UserProperty p : m.userProperties()) {
            h.add(new RecordHeader(USER_PROPERTY_PREFIX + p.name(), utf8(p.value())));
        }
        return h.toArray(new Header[0]);
    }

    /**
     * The message a record holds. {@code fallbackTopic} (the retained record's key) stands in when the record has no
     * topic header; a null {@code payload} (a tombstone) gives an empty one.
     *
     * @throws IllegalArgumentException when the record was not written as Sluice writes them (no topic, a QoS
     *                                  that is not 0-2, a number that is not one); the message says which header
     */
    public static Message decode(Iterable<Header> headers, byte[] payload, String fallbackTopic) {
        String topic = fallbackTopic;
        int qos = 0;
        boolean retain = false;
        String publisher = "";
        long publishedMs = 0;
        long expiry = 0;
        int format = -1;
        String contentType = null;
        String responseTopic = null;
        byte[] correlation = null;
        List<UserProperty> props = new ArrayList<>(0);
        for (Header h : headers) {
            String name = h.key();
            byte[] v = h.value();
            if (v == null) {
                continue;
            }
            switch (name) {
                case TOPIC -> topic = text(v);
                case QOS -> qos = (int) number(name, v, 2);
                case RETAIN -> retain = v.length == 1 && v[0] == '1';
                case PUBLISHER -> publisher = text(v);
                case PUBLISHED_MS -> publishedMs = number(name, v, Long.MAX_VALUE);
                case EXPIRY_S -> expiry = number(name, v, 4_294_967_295L);
                case PAYLOAD_FORMAT -> format = (int) number(name, v, 1);
                case CONTENT_TYPE -> contentType = text(v);
                case RESPONSE_TOPIC -> responseTopic = text(v);
                case CORRELATION_DATA -> correlation = v;
                default -> {
                    if (name.startsWith(USER_PROPERTY_PREFIX)) {
                        props.add(new UserProperty(name.substring(USER_PROPERTY_PREFIX.length()), text(v)));
                    }
                }
            }
        }
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("no " + TOPIC + " header");
        }
        return new Message(topic, payload == null ? new byte[0] : payload, qos, retain, publisher, publishedMs, expiry,
                format, contentType, responseTopic, correlation, props);
    }

    /** Bytes the headers of {@code m} take beyond its payload: the weight of a write on its way to Kafka. */
    public static long weight(Message m) {
        long w = 160 + 3L * m.topic().length() + 3L * m.publisherClientId().length();
        w += m.contentType() == null ? 0 : 3L * m.contentType().length();
        w += m.responseTopic() == null ? 0 : 3L * m.responseTopic().length();
        w += m.correlationData() == null ? 0 : m.correlationData().length;
        for (UserProperty p : m.userProperties()) {
            w += 48 + 3L * (p.name().length() + p.value().length());
        }
        return w;
    }

    /** A non-negative decimal of at most {@code max}. */
    private static long number(String name, byte[] v, long max) {
        if (v.length == 0 || v.length > 19) {
            throw new IllegalArgumentException(name + " is not a number: '" + text(v) + "'");
        }
        long n = 0;
        for (byte b : v) {
            if (b < '0' || b > '9') {
                throw new IllegalArgumentException(name + " is not a number: '" + text(v) + "'");
            }
            n = n * 10 + (b - '0');
        }
        if (n < 0 || n > max) {
            throw new IllegalArgumentException(name + " is out of range (0.." + max + "): " + n);
        }
        return n;
    }

    private static String text(byte[] v) {
        return new String(v, StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
