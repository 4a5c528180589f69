package io.sluice.sinks;

/**
 * Record header names that reading records and delivery records share, with the same value encoding (UTF-8 text),
 * so a Kafka tool filtering on one finds it in both (docs/RECORDS.md).
 */
public final class HeaderNames {
    /** The MQTT topic a message was published to. */
    public static final String TOPIC = "sluice.topic";
    /** The QoS it was published with, as a decimal. */
    public static final String QOS = "sluice.qos";
    /** MQTT 5 content type, when the publisher sent one. */
    public static final String CONTENT_TYPE = "sluice.content_type";
    /** Prefix of MQTT 5 user properties: property {@code unit=C} becomes header {@code mqtt.user.unit = C}. */
    public static final String USER_PROPERTY_PREFIX = "mqtt.user.";

    private HeaderNames() {
    }
}
