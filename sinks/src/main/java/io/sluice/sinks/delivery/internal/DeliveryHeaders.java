package io.sluice.sinks.delivery.internal;

import io.sluice.delivery.Message;
import io.sluice.delivery.Origin;
import io.sluice.ingest.Envelope.UserProperty;
import io.sluice.sinks.HeaderNames;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
    /**
     * Delivery records only: one header per shared subscription the target node serves, {@code G/F}; one empty one
     * when it serves none; absent: it serves every one it holds (docs/RECORDS.md).
     */
    public static final String SHARED = "sluice.shared";
    /**
     * Delivery records only: the one client (id, UTF-8) a record handed over by the node its session moved from is
     * for (docs/RECORDS.md); such a record is not matched against subscriptions.
     */
    public static final String FOR = "sluice.for";
    /** With {@link #FOR}: {@code 1} when the message had been sent and not acknowledged (resent with DUP). */
    public static final String INFLIGHT = "sluice.inflight";
    /** With {@link #FOR}, no value: the marker ending a handover for that client. */
    public static final String HANDOVER_DONE = "sluice.handover-done";

    /**
     * Delivery records only: the downlink record a message came from, {@code <topic> <partition> <offset>}
     * (docs/RECORDS.md); its receipts name it. Kafka topic names hold no space.
     */
    public static final String ORIGIN = "sluice.origin";
    /** With {@link #ORIGIN}: the downlink record's key (UTF-8); absent when it had none. */
    public static final String ORIGIN_KEY = "sluice.origin_key";

    /** The longest MQTT string or binary field (MQTT 5 sections 1.5.4 and 1.5.6). */
    private static final int MQTT_STRING_MAX_BYTES = 65_535;
    /** How much of a refused value a refusal's message quotes. */
    private static final int QUOTED_MAX_BYTES = 64;
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
        Origin o = m.origin();
        if (o != null) {
            h.add(new RecordHeader(ORIGIN, utf8(o.topic() + ' ' + o.partition() + ' ' + o.offset())));
            if (o.key() != null) {
                h.add(new RecordHeader(ORIGIN_KEY, utf8(o.key())));
            }
        }
        return h.toArray(new Header[0]);
    }

    /** Adds to {@code headers} the {@link #SHARED} headers naming {@code groups} (one empty header for none). */
    public static void addSharedGroups(List<Header> headers, Set<String> groups) {
        if (groups.isEmpty()) {
            headers.add(new RecordHeader(SHARED, new byte[0]));
            return;
        }
        for (String g : groups) {
            headers.add(new RecordHeader(SHARED, utf8(g)));
        }
    }

    /** The text of the last header {@code name}, or null when there is none (or it is not UTF-8 text). */
    public static String lastText(Iterable<Header> headers, String name) {
        String found = null;
        for (Header h : headers) {
            if (h.key().equals(name) && h.value() != null) {
                found = text(name, h.value());
            }
        }
        return found;
    }

    /** True when a header {@code name} holds {@code 1}. */
    public static boolean flag(Iterable<Header> headers, String name) {
        for (Header h : headers) {
            if (h.key().equals(name) && h.value() != null && h.value().length == 1 && h.value()[0] == '1') {
                return true;
            }
        }
        return false;
    }

    /** Bytes the {@link #SHARED} headers of {@code groups} (null: none) add to a write's weight. */
    public static long sharedGroupsWeight(Set<String> groups) {
        long w = 0;
        if (groups != null) {
            w += 48;
            for (String g : groups) {
                w += 48 + 3L * g.length();
            }
        }
        return w;
    }

    /**
     * The message a record holds. {@code retainedKey} is the key of a retained record (its topic, which stands in
     * when the record has no topic header), null for a delivery record; a null {@code payload} (a tombstone) gives an
     * empty one. Reads no length field: what it holds is at most the size of the headers it is given.
     *
     * @throws IllegalArgumentException when the record was not written as Sluice writes them or an MQTT PUBLISH
     *                                  could not carry it: no topic, a topic that is not a topic name (a wildcard,
     *                                  U+0000) or is not the retained record's key, a QoS that is not 0-2, a number
     *                                  that is not one, text that is not UTF-8, a field longer than an MQTT string or
     *                                  binary field (65,535 bytes); the message says which header, in one short line
     */
    public static Message decode(Iterable<Header> headers, byte[] payload, String retainedKey) {
        String topic = null;
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
        Set<String> shared = null;
        String origin = null;
        String originKey = null;
        for (Header h : headers) {
            String name = h.key();
            byte[] v = h.value();
            if (v == null) {
                continue;
            }
            switch (name) {
                case TOPIC -> topic = text(name, v);
                case QOS -> qos = (int) number(name, v, 2);
                case RETAIN -> retain = v.length == 1 && v[0] == '1';
                case PUBLISHER -> publisher = text(name, v);
                case PUBLISHED_MS -> publishedMs = number(name, v, Long.MAX_VALUE);
                case EXPIRY_S -> expiry = number(name, v, 4_294_967_295L);
                case PAYLOAD_FORMAT -> format = (int) number(name, v, 1);
                case CONTENT_TYPE -> contentType = text(name, v);
                case RESPONSE_TOPIC -> responseTopic = text(name, v);
                case CORRELATION_DATA -> correlation = fitting(name, v);
                case ORIGIN -> origin = text(name, v);
                case ORIGIN_KEY -> originKey = new String(v, StandardCharsets.UTF_8); // any length: no MQTT field
                case SHARED -> {
                    if (retainedKey == null) {
                        shared = shared == null ? new HashSet<>(2) : shared;
                        if (v.length > 0) {
                            shared.add(text(name, v));
                        }
                    }
                }
                default -> {
                    if (name.startsWith(USER_PROPERTY_PREFIX)) {
                        props.add(new UserProperty(userPropertyName(name), text(name, v)));
                    }
                }
            }
        }
        if (retainedKey != null) {
            if (topic != null && !topic.equals(retainedKey)) {
                throw new IllegalArgumentException(TOPIC + " '" + abbreviate(topic)
                        + "' is not the retained record's key '" + abbreviate(retainedKey) + "'");
            }
            topic = retainedKey;
        }
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("no " + TOPIC + " header");
        }
        checkTopicName(topic);
        return new Message(topic, payload == null ? new byte[0] : payload, qos, retain, publisher, publishedMs, expiry,
                format, contentType, responseTopic, correlation, props, shared,
                origin == null || retainedKey != null ? null : origin(origin, originKey));
    }

    /** The {@link #ORIGIN} header's value {@code <topic> <partition> <offset>} and the key. */
    private static Origin origin(String value, String key) {
        int second = value.lastIndexOf(' ');
        int first = second <= 0 ? -1 : value.lastIndexOf(' ', second - 1);
        if (first <= 0) {
            throw new IllegalArgumentException(ORIGIN + " is not '<topic> <partition> <offset>': '"
                    + abbreviate(value) + "'");
        }
        byte[] partition = utf8(value.substring(first + 1, second));
        byte[] offset = utf8(value.substring(second + 1));
        return new Origin(value.substring(0, first), (int) number(ORIGIN, partition, Integer.MAX_VALUE),
                number(ORIGIN, offset, Long.MAX_VALUE), key);
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
        Origin o = m.origin();
        if (o != null) {
            w += 96 + o.topic().length() + 40 + (o.key() == null ? 0 : 48 + 3L * o.key().length());
        }
        return w;
    }

    /** A non-negative decimal of at most {@code max}. */
    private static long number(String name, byte[] v, long max) {
        if (v.length == 0 || v.length > 19) {
            throw new IllegalArgumentException(name + " is not a number: " + quoted(v));
        }
        long n = 0;
        for (byte b : v) {
            if (b < '0' || b > '9') {
                throw new IllegalArgumentException(name + " is not a number: " + quoted(v));
            }
            n = n * 10 + (b - '0');
        }
        if (n < 0 || n > max) { // 19 digits may pass Long.MAX_VALUE: n wrapped to a negative
            throw new IllegalArgumentException(name + " is out of range (0.." + max + "): " + quoted(v));
        }
        return n;
    }

    /** Well-formed UTF-8 of at most an MQTT string's 65,535 bytes; never replaced, so what is sent is what was read. */
    private static String text(String name, byte[] v) {
        fitting(name, v);
        String s = new String(v, StandardCharsets.UTF_8);
        // malformed input decodes to U+FFFD, which encodes back to other bytes; a real U+FFFD encodes back the same
        if (s.indexOf('\uFFFD') >= 0 && !Arrays.equals(utf8(s), v)) {
            throw new IllegalArgumentException(abbreviate(name) + " is not UTF-8: " + quoted(v));
        }
        return s;
    }

    private static byte[] fitting(String name, byte[] v) {
        if (v.length > MQTT_STRING_MAX_BYTES) {
            throw new IllegalArgumentException(abbreviate(name) + " has " + v.length + " bytes, more than an MQTT"
                    + " field holds (" + MQTT_STRING_MAX_BYTES + ")");
        }
        return v;
    }

    /** The name of the user property header {@code name}; Kafka has read the header name leniently as UTF-8. */
    private static String userPropertyName(String name) {
        String p = name.substring(USER_PROPERTY_PREFIX.length());
        if (utf8(p).length > MQTT_STRING_MAX_BYTES) {
            throw new IllegalArgumentException("user property header name " + abbreviate(name) + " is longer than"
                    + " an MQTT string (" + MQTT_STRING_MAX_BYTES + " bytes)");
        }
        return p;
    }

    /** What Sluice's MQTT front end accepts as a PUBLISH topic, and an MQTT string can hold. */
    private static void checkTopicName(String topic) {
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (c == '+' || c == '#' || c == '\u0000') {
                throw new IllegalArgumentException("topic '" + abbreviate(topic) + "' is not a topic name: it holds "
                        + (c == '\u0000' ? "U+0000" : "the wildcard " + c));
            }
        }
        if (utf8(topic).length > MQTT_STRING_MAX_BYTES) {
            throw new IllegalArgumentException("topic '" + abbreviate(topic) + "' is longer than an MQTT string ("
                    + MQTT_STRING_MAX_BYTES + " bytes)");
        }
    }

    /** The value as text for a message, abbreviated: a refusal is one short log line, not the record. */
    private static String quoted(byte[] v) {
        String head = new String(v, 0, Math.min(v.length, QUOTED_MAX_BYTES), StandardCharsets.UTF_8);
        return "'" + oneLine(head) + (v.length > QUOTED_MAX_BYTES ? "...' (" + v.length + " bytes)" : "'");
    }

    private static String abbreviate(String s) {
        return s.length() <= QUOTED_MAX_BYTES ? oneLine(s)
                : oneLine(s.substring(0, QUOTED_MAX_BYTES)) + "... (" + s.length() + " chars)";
    }

    /** Control characters (line breaks among them) shown as '?', so a record cannot forge log lines. */
    private static String oneLine(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        return b.toString();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
