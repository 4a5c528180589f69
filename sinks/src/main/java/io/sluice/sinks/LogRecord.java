package io.sluice.sinks;

import java.util.List;
import java.util.Objects;

/**
 * One reading as it goes into the readings log: key, value and headers, all written unchanged.
 *
 * <p>The value array is not copied: callers must not mutate it after handing the record to the log.
 *
 * @param key     the record key (the device or client id), which picks the partition; may be null
 * @param value   the payload; never null (a null value would be a tombstone, which readings never are)
 * @param headers headers in order, names may repeat; null means none
 */
public record LogRecord(String key, byte[] value, List<LogHeader> headers) {
    public LogRecord {
        Objects.requireNonNull(value, "value");
        headers = headers == null ? List.of() : List.copyOf(headers);
    }

    /** A record without headers. */
    public LogRecord(String key, byte[] value) {
        this(key, value, List.of());
    }

    /** Bytes of key, value and headers; what counts against the producer's buffer, give or take overhead. */
    public int sizeBytes() {
        int size = value.length + (key == null ? 0 : key.length());
        for (LogHeader h : headers) {
            size += h.name().length() + (h.value() == null ? 0 : h.value().length);
        }
        return size;
    }
}
