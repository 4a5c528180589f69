package io.sluice.ingest;

import io.sluice.security.Identity;
import java.util.List;
import java.util.Objects;

/**
 * One reading as received, protocol-neutral and immutable. The payload is carried unchanged into the log.
 * No Netty type ever appears here: front ends copy what they need out of their buffers.
 *
 * @param clientId        the device or client id; the log record's key
 * @param topic           the MQTT topic (or the topic the datagram front end assigns)
 * @param payload         the payload bytes, never modified; callers must not mutate the array after submitting
 * @param protocol        {@link Protocols} value: "mqtt", "mqtt-sn", "line-udp"
 * @param protocolVersion for MQTT "3.1.1" or "5"; for MQTT-SN "1.2"; may be null for plain datagrams
 * @param qos             the QoS the client sent with (-1 for MQTT-SN QoS -1)
 * @param receivedAtNanos wall-clock receive time, nanoseconds since the epoch
 * @param contentType     MQTT 5 content type, or null
 * @param userProperties  MQTT 5 user properties in order (names may repeat); empty if none
 * @param source          the sender's address ("ip:port"), or null when not recorded
 * @param identity        who sent it, as this node established it (anonymous for MQTT-SN and datagrams)
 */
public record Envelope(
        String clientId,
        String topic,
        byte[] payload,
        String protocol,
        String protocolVersion,
        int qos,
        long receivedAtNanos,
        String contentType,
        List<UserProperty> userProperties,
        String source,
        Identity identity) {

    public Envelope {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(protocol, "protocol");
        userProperties = userProperties == null ? List.of() : List.copyOf(userProperties);
    }

    /** An envelope of an anonymous sender (MQTT-SN, datagrams, and MQTT without authentication). */
    public Envelope(String clientId, String topic, byte[] payload, String protocol, String protocolVersion, int qos,
                    long receivedAtNanos, String contentType, List<UserProperty> userProperties, String source) {
        this(clientId, topic, payload, protocol, protocolVersion, qos, receivedAtNanos, contentType, userProperties,
                source, Identity.ANONYMOUS);
    }

    /**
     * Bytes a record of this envelope may hold in the log record, its record headers and producer buffer. Every
     * part counts: the client id (the key), topic, content type, source, the identity and its method, each user
     * property's name and value
     * (their record headers) and the log's own header fields
     * (receive time, protocol, version, QoS and a node id of up to {@link #MAX_NODE_ID_BYTES} bytes).
     *
     * <p>It is an upper bound of two things at once, so the in-flight budget bounds both: the heap the envelope and
     * its log record hold on the way to the producer (Java strings take up to 2 bytes per character and their UTF-8
     * copies in headers up to one more copy, hence {@link #STRING_FACTOR} times the UTF-8 length, plus
     * {@link #PER_PART_BYTES} of object and header framing per part), and the bytes the serialized record takes in
     * the producer's {@code buffer.memory} (at most the UTF-8 lengths plus Kafka's varint framing). Linear in the
     * envelope's size; cheap enough to call per message, but callers that need it twice should keep it.
     */
    public int weightBytes() {
        long w = (long) payload.length + FIXED_OVERHEAD_BYTES;
        w += part(clientId) + part(topic) + part(protocol) + part(protocolVersion) + part(contentType) + part(source);
        w += part(identity.name()) + part(identity.method().label());
        for (UserProperty p : userProperties) {
            w += part(p.name()) + part(p.value());
        }
        return (int) Math.min(Integer.MAX_VALUE, w);
    }

    /** Weight of the log's own fields per record: header names, receive time, QoS, node id, Kafka's framing. */
    static final int FIXED_OVERHEAD_BYTES = 512;
    /** The longest node id {@link #FIXED_OVERHEAD_BYTES} allows for (the daemon's config refuses longer ones). */
    public static final int MAX_NODE_ID_BYTES = 255;
    /** Object headers, header name and varint framing per string. */
    static final int PER_PART_BYTES = 64;
    /** A string is held as a Java string (up to 2 bytes per UTF-8 byte) and as UTF-8 (a header name may be both). */
    static final int STRING_FACTOR = 4;

    private static long part(String s) {
        return s == null ? 0 : PER_PART_BYTES + (long) STRING_FACTOR * utf8Length(s);
    }

    /** UTF-8 length of a string without encoding it (an unpaired surrogate counts 3, as the encoder's '?' is less). */
    static long utf8Length(String s) {
        long n = 0;
        for (int i = 0, len = s.length(); i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else {
                n += 3; // a surrogate pair counts 6 for its 4 bytes: an upper bound is all we need
            }
        }
        return n;
    }

    /** An MQTT 5 user property. */
    public record UserProperty(String name, String value) {
    }
}
