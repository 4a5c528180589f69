package io.sluice.sinks;

import java.util.Objects;

/**
 * One header of a log record, written to Kafka unchanged.
 *
 * <p>The value array is not copied: callers must not mutate it after handing the record to the log.
 * Equality of the record is by array identity, as for any record holding an array.
 *
 * @param name  header name, e.g. {@code sluice.topic}; never null
 * @param value header bytes; may be null (Kafka allows null header values)
 */
public record LogHeader(String name, byte[] value) {
    public LogHeader {
        Objects.requireNonNull(name, "name");
    }
}
