package io.sluice.sinks.downlink.internal;

import io.sluice.delivery.Message;
import io.sluice.delivery.Origin;
import io.sluice.sinks.delivery.internal.DeliveryHeaders;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Reads the message of a downlink record (docs/RECORDS.md, "Downlink records") with the delivery records' strict
 * header decoding ({@link DeliveryHeaders#decode}): value = payload, {@code sluice.topic} required (a topic name, no
 * wildcard), {@code sluice.qos} 0-2 and 1 when absent, {@code sluice.retain} 1 to retain, the MQTT 5 properties in
 * {@code mqtt.*} headers. What only Sluice writes is not taken from the record: the publisher is empty (no client id
 * is empty, so no-local never matches a downlink message) and the message counts as published when it is read (its
 * expiry counts from there, as for a PUBLISH accepted then). Stateless.
 */
public final class DownlinkRecord {
    /** The publisher client id of every downlink message. */
    public static final String PUBLISHER = "";
    /** QoS of a record without a {@code sluice.qos} header. */
    public static final int DEFAULT_QOS = 1;

    private DownlinkRecord() {
    }

    /**
     * @throws IllegalArgumentException when the record does not decode; the message names the header, in one line
     */
    public static Message decode(Headers headers, byte[] value, long nowMillis) {
        return decode(headers, value, nowMillis, null);
    }

    /**
     * As {@link #decode(Headers, byte[], long)}, the message carrying {@code origin}: where the record is (its
     * receipts name it), never what a {@code sluice.origin} header of the record says.
     *
     * @throws IllegalArgumentException when the record does not decode; the message names the header, in one line
     */
    public static Message decode(Headers headers, byte[] value, long nowMillis, Origin origin) {
        Message m = DeliveryHeaders.decode(headers, value, null);
        Header qos = headers.lastHeader(DeliveryHeaders.QOS);
        boolean qosGiven = qos != null && qos.value() != null;
        return new Message(m.topic(), m.payload(), qosGiven ? m.qos() : DEFAULT_QOS, m.retain(), PUBLISHER, nowMillis,
                m.expirySeconds(), m.payloadFormat(), m.contentType(), m.responseTopic(), m.correlationData(),
                m.userProperties(), null, origin);
    }
}
