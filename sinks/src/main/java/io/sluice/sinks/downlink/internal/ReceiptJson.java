package io.sluice.sinks.downlink.internal;

import io.sluice.delivery.Origin;
import io.sluice.delivery.Receipt;
import java.nio.charset.StandardCharsets;

/**
 * The value of a receipt record (docs/RECORDS.md, "Receipt records"): one JSON object in UTF-8,
 * {@code {"client_id":..,"outcome":..,"reason":..,"topic":..,"qos":..,"origin":{"topic":..,"partition":..,
 * "offset":..,"key":..},"node":..,"at_ms":..}}; {@code reason} only when there is one, {@code key} only when the
 * downlink record had one. Stateless.
 */
public final class ReceiptJson {
    private ReceiptJson() {
    }

    public static byte[] encode(Receipt r) {
        StringBuilder b = new StringBuilder(160 + r.clientId().length() + r.topic().length());
        b.append("{\"client_id\":");
        string(b, r.clientId());
        b.append(",\"outcome\":\"").append(r.outcome().wire()).append('"');
        if (r.reason() != null) {
            b.append(",\"reason\":");
            string(b, r.reason());
        }
        b.append(",\"topic\":");
        string(b, r.topic());
        b.append(",\"qos\":").append(r.qos());
        Origin o = r.origin();
        b.append(",\"origin\":{\"topic\":");
        string(b, o.topic());
        b.append(",\"partition\":").append(o.partition()).append(",\"offset\":").append(o.offset());
        if (o.key() != null) {
            b.append(",\"key\":");
            string(b, o.key());
        }
        b.append("},\"node\":");
        string(b, r.nodeId());
        b.append(",\"at_ms\":").append(r.atMillis()).append('}');
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A JSON string: quotes, backslash and control characters escaped; lone surrogates as escapes too. */
    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    boolean lone = Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1)))
                            && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(s.charAt(i - 1)));
                    if (c < 0x20 || c == 0x7f || lone) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
