package io.sluice.mqtt.internal;

import io.sluice.ingest.Envelope;
import java.util.List;

/** Our own immutable forms of the packets a client sends; no Netty buffer survives past the handler. */
final class Packets {
    private Packets() {
    }

    /**
     * A PUBLISH: topic may be empty when an MQTT 5 topic alias stands for it (alias 0 = none,
     * {@link #ALIAS_ZERO}: a Topic Alias property of 0, which MQTT 5 forbids).
     */
    record Publish(String topic, int topicAlias, int qos, boolean dup, boolean retain, int packetId, byte[] payload,
                   String contentType, List<Envelope.UserProperty> userProperties, Forwarded forwarded) {
        Publish(String topic, int topicAlias, int qos, boolean dup, boolean retain, int packetId, byte[] payload,
                String contentType, List<Envelope.UserProperty> userProperties) {
            this(topic, topicAlias, qos, dup, retain, packetId, payload, contentType, userProperties, Forwarded.NONE);
        }

        /** The topic alias of a PUBLISH whose Topic Alias property is 0 [MQTT-3.3.2-8]. */
        static final int ALIAS_ZERO = -1;
    }

    /**
     * The MQTT 5 PUBLISH properties a subscriber receives unchanged (besides content type and user properties).
     *
     * @param expirySeconds   message expiry interval, 0 for none
     * @param payloadFormat   payload format indicator, -1 when absent
     * @param responseTopic   response topic, or null
     * @param correlationData correlation data, or null
     */
    record Forwarded(long expirySeconds, int payloadFormat, String responseTopic, byte[] correlationData) {
        static final Forwarded NONE = new Forwarded(0, -1, null, null);
    }

    /** One SUBSCRIBE entry; options as the MQTT 5 options byte (QoS in the low two bits). */
    record Subscription(String filter, int options) {
        int qos() {
            return options & 0x03;
        }
    }

    /**
     * A will message to publish if the connection ends without a normal DISCONNECT; {@code delaySeconds} is MQTT 5's
     * Will Delay Interval (0 for none and for MQTT 3.1.1). Its other MQTT 5 will properties (content type, user
     * properties, payload format, message expiry, response topic, correlation data) go to subscribers as a
     * PUBLISH's would [MQTT-3.1.3-10 .. 3.1.3.2].
     */
    record Will(String topic, byte[] payload, int qos, long delaySeconds, String contentType,
                List<Envelope.UserProperty> userProperties, Forwarded forwarded) {
        /** A will without MQTT 5 properties (MQTT 3.1.1). */
        Will(String topic, byte[] payload, int qos, long delaySeconds) {
            this(topic, payload, qos, delaySeconds, null, List.of(), Forwarded.NONE);
        }

        /** The same will at another QoS. */
        Will withQos(int q) {
            return new Will(topic, payload, q, delaySeconds, contentType, userProperties, forwarded);
        }
    }
}
