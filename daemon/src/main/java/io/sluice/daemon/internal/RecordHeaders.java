package io.sluice.daemon.internal;

/**
 * Names of the Kafka record headers Sluice writes with every reading. Values are UTF-8 text so any Kafka tool
 * shows them as they are. Documented for users in docs/RECORDS.md. The compact layout (the default) writes topic,
 * receive time, protocol, version, QoS and node in one header, {@link io.sluice.sinks.ReadingHeader#KEY}; the full
 * layout writes each under its own name below. The optional ones (content type, source, user properties) are
 * headers of their own in both.
 */
public final class RecordHeaders {
    /** The MQTT topic (or the topic assigned to a datagram). */
    public static final String TOPIC = io.sluice.sinks.HeaderNames.TOPIC;
    /** "mqtt", "mqtt-sn" or "line-udp". */
    public static final String PROTOCOL = "sluice.protocol";
    /** "3.1.1" or "5" for MQTT. */
    public static final String PROTOCOL_VERSION = "sluice.protocol_version";
    /** The QoS the client published with, as a decimal. */
    public static final String QOS = io.sluice.sinks.HeaderNames.QOS;
    /** Receive time, nanoseconds since the epoch, as a decimal. */
    public static final String RECEIVED_NS = "sluice.received_ns";
    /** The node_id of the Sluice node that received the reading. */
    public static final String NODE = "sluice.node";
    /** MQTT 5 content type, when the client sent one. */
    public static final String CONTENT_TYPE = io.sluice.sinks.HeaderNames.CONTENT_TYPE;
    /** Sender address (ip:port), when recorded. */
    public static final String SOURCE = "sluice.source";
    /**
     * Who sent the reading and how this node established it: {@code anonymous}, {@code password NAME} or
     * {@code certificate NAME} (the method, one space, then the identity, which runs to the end and may hold spaces).
     */
    public static final String IDENTITY = "sluice.identity";
    /** Prefix of MQTT 5 user properties: property {@code unit=C} becomes header {@code mqtt.user.unit = C}. */
    public static final String USER_PROPERTY_PREFIX = io.sluice.sinks.HeaderNames.USER_PROPERTY_PREFIX;

    private RecordHeaders() {
    }
}
