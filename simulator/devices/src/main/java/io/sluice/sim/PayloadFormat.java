package io.sluice.sim;

import java.util.Locale;

/** The payload formats the fleet publishes, all parsed back by {@link Reading#parse}. */
public enum PayloadFormat {
    /** {@link Reading#json}: what the other commands publish. */
    JSON,
    /** {@link Reading#line}: one InfluxDB line-protocol line; the only format line-protocol datagrams carry. */
    LINE,
    /** {@link Reading#binary}: a fixed header and zero padding; names the device by index. */
    BINARY;

    /**
     * The payload of message {@code seq} of device {@code index}, named {@code device}, from the run tagged
     * {@code runTag}, padded up to {@code padTo} bytes.
     */
    public byte[] encode(String measurement, String device, int index, int runTag, long seq, long timestampMillis,
                         int padTo) {
        return switch (this) {
            case JSON -> Reading.json(device, seq, timestampMillis, padTo);
            case LINE -> Reading.line(measurement, device, seq, timestampMillis, padTo);
            case BINARY -> Reading.binary(runTag, index, seq, timestampMillis, padTo);
        };
    }

    /** {@code json}, {@code line} or {@code binary}. */
    public static PayloadFormat of(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--format must be json, line or binary: " + name);
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
