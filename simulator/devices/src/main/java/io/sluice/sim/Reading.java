package io.sluice.sim;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The simulator's payload: a JSON reading that names its device and sequence number, so the loss audit can
 * identify every message in the log. Format: {@code {"device":"dev-000042","seq":17,"temp":21.5,"ts":...}}; the
 * load generator sets {@code ts} (epoch ms) to its start time plus {@code seq}, so no two readings of a device share a
 * timestamp and each becomes its own point in a TSDB.
 */
public final class Reading {
    private static final Pattern ID = Pattern.compile("\"device\":\"([^\"]+)\",\"seq\":(\\d+)");

    private Reading() {
    }

    public static byte[] json(String device, long seq, long timestampMillis, int padTo) {
        StringBuilder sb = new StringBuilder(Math.max(padTo, 96));
        sb.append("{\"device\":\"").append(device).append("\",\"seq\":").append(seq)
                .append(",\"temp\":").append(15 + (seq % 200) / 10.0)
                .append(",\"ts\":").append(timestampMillis);
        if (sb.length() + 1 < padTo) {
            sb.append(",\"pad\":\"");
            while (sb.length() + 2 < padTo) {
                sb.append('x');
            }
            sb.append('"');
        }
        sb.append('}');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The (device, seq) a payload carries, or null when the payload is not a simulator reading. */
    public static MessageId parse(byte[] payload) {
        String s = new String(payload, 0, Math.min(payload.length, 160), StandardCharsets.UTF_8);
        Matcher m = ID.matcher(s);
        return m.find() ? new MessageId(m.group(1), Long.parseLong(m.group(2))) : null;
    }

    /** Identifies one simulated message. */
    public record MessageId(String device, long seq) {
    }
}
