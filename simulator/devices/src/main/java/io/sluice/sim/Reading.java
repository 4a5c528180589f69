package io.sluice.sim;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The simulator's payloads: each names its device and sequence number, so the loss audit can identify every
 * message in the log. Three formats ({@link PayloadFormat}), all told apart by {@link #parse}:
 * <ul>
 * <li>JSON: {@code {"device":"dev-000042","seq":17,"temp":21.5,"ts":...}};</li>
 * <li>InfluxDB line protocol: {@code temperature,device=dev-000042 seq=17i,temp=21.5 <ts ns>}, device as a tag and
 * seq as an integer field first in the field set;</li>
 * <li>binary: {@link #BINARY_HEADER_BYTES} bytes, {@code 00 'S' 'L' 'B'}, run tag (int), device index (int), seq
 * (long), timestamp ms (long), big-endian, then zeros. It names the device by index only; the run tag (the hash of
 * the fleet's device-name prefix) tells one run's records from another's.</li>
 * </ul>
 * Each is padded up to the requested size where it is smaller. The load generators set the timestamp to their start
 * time plus {@code seq} ms, so no two readings of a device share a timestamp and each becomes its own point in a TSDB.
 */
public final class Reading {
    /** Magic, run tag, index, seq and timestamp. */
    public static final int BINARY_HEADER_BYTES = 28;
    private static final int MAGIC = 0x00534C42; // "\0SLB": no JSON or text line starts with NUL
    private static final Pattern ID = Pattern.compile("\"device\":\"([^\"]+)\",\"seq\":(\\d+)");
    private static final Pattern LINE = Pattern.compile("[^, ]+,device=([^, ]+)[^ ]* seq=(\\d+)i");

    private Reading() {
    }

    public static byte[] json(String device, long seq, long timestampMillis, int padTo) {
        StringBuilder sb = new StringBuilder(Math.max(padTo, 96));
        sb.append("{\"device\":\"").append(device).append("\",\"seq\":").append(seq)
                .append(",\"temp\":").append(temperature(seq))
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

    /**
     * One line-protocol line, no newline: {@code measurement,device=D seq=Si,temp=T[,pad="x..."] tsNanos}. Device
     * and measurement must need no escaping (letters, digits, '-', '_').
     */
    public static byte[] line(String measurement, String device, long seq, long timestampMillis, int padTo) {
        StringBuilder sb = new StringBuilder(Math.max(padTo, 96));
        sb.append(measurement).append(",device=").append(device).append(" seq=").append(seq).append("i,temp=")
                .append(temperature(seq));
        String ts = " " + timestampMillis * 1_000_000L;
        int pad = padTo - sb.length() - ts.length() - ",pad=\"\"".length();
        if (pad > 0) {
            sb.append(",pad=\"").repeat('x', pad).append('"');
        }
        return sb.append(ts).toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A binary record (see the class comment), zero-padded up to {@code padTo}. */
    public static byte[] binary(int runTag, int index, long seq, long timestampMillis, int padTo) {
        return ByteBuffer.allocate(Math.max(padTo, BINARY_HEADER_BYTES)).putInt(MAGIC).putInt(runTag).putInt(index)
                .putLong(seq).putLong(timestampMillis).array();
    }

    private static double temperature(long seq) {
        return 15 + (seq % 200) / 10.0;
    }

    /**
     * The message a payload of any of the three formats carries, or null when it is not a simulator reading (a
     * tombstone, null, included).
     */
    public static MessageId parse(byte[] payload) {
        if (payload == null) {
            return null;
        }
        if (payload.length >= BINARY_HEADER_BYTES && ByteBuffer.wrap(payload).getInt() == MAGIC) {
            ByteBuffer b = ByteBuffer.wrap(payload, 4, BINARY_HEADER_BYTES - 4);
            int tag = b.getInt();
            int index = b.getInt();
            long seq = b.getLong();
            return index < 0 || seq < 0 ? null : new MessageId(null, seq, tag, index);
        }
        String s = new String(payload, 0, Math.min(payload.length, 160), StandardCharsets.UTF_8);
        Matcher m = ID.matcher(s);
        if (m.find()) {
            return new MessageId(m.group(1), Long.parseLong(m.group(2)));
        }
        m = LINE.matcher(s);
        return m.lookingAt() ? new MessageId(m.group(1), Long.parseLong(m.group(2))) : null;
    }

    /**
     * Identifies one simulated message: a device by name (JSON, line protocol), or by index within the run whose
     * tag is {@code runTag} (binary; {@code device} is then null).
     */
    public record MessageId(String device, long seq, int runTag, int index) {
        public MessageId(String device, long seq) {
            this(device, seq, 0, -1);
        }
    }
}
