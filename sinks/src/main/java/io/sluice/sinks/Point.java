package io.sluice.sinks;

import java.util.Objects;

/**
 * One point ready to write: its line in InfluxDB line protocol with a nanosecond timestamp.
 *
 * @param measurement the point's measurement (for metrics and dead-letter reasons)
 * @param line        one line of line protocol, no trailing newline, timestamp in nanoseconds
 */
public record Point(String measurement, String line) {
    public Point {
        Objects.requireNonNull(measurement, "measurement");
        Objects.requireNonNull(line, "line");
    }

    /** Bytes this point adds to a write body (line plus newline). */
    public int size() {
        return line.length() + 1;
    }
}
