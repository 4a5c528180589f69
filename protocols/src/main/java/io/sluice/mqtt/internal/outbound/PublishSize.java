package io.sluice.mqtt.internal.outbound;

import io.sluice.delivery.Message;
import io.sluice.ingest.Envelope.UserProperty;
import java.nio.charset.StandardCharsets;

/** The encoded size of an outgoing PUBLISH, to honour a client's Maximum Packet Size (MQTT 5 section 3.1.2.11.4). */
final class PublishSize {
    private PublishSize() {
    }

    /** Bytes of the whole PUBLISH packet {@code c} becomes for a client of {@code level}. */
    static long of(Copy c, int level, long remainingExpirySeconds) {
        Message m = c.message;
        long remaining = 2L + utf8(m.topic()) + (c.qos > 0 ? 2 : 0) + m.payload().length;
        if (level == 5) {
            long props = properties(c, remainingExpirySeconds);
            remaining += varIntBytes(props) + props;
        }
        return 1 + varIntBytes(remaining) + remaining;
    }

    private static long properties(Copy c, long remainingExpirySeconds) {
        Message m = c.message;
        long n = 0;
        if (m.payloadFormat() >= 0) {
            n += 2;
        }
        if (remainingExpirySeconds > 0) {
            n += 5;
        }
        if (m.contentType() != null) {
            n += 3 + utf8(m.contentType());
        }
        if (m.responseTopic() != null) {
            n += 3 + utf8(m.responseTopic());
        }
        if (m.correlationData() != null) {
            n += 3 + m.correlationData().length;
        }
        for (UserProperty p : m.userProperties()) {
            n += 5 + utf8(p.name()) + utf8(p.value());
        }
        for (int id : c.subscriptionIds) {
            n += 1 + varIntBytes(id);
        }
        return n;
    }

    static int varIntBytes(long v) {
        int n = 1;
        while (v >= 128) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
