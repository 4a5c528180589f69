package io.sluice.sinks;

import java.util.Objects;

/**
 * One point ready to write: its line in InfluxDB line protocol with a nanosecond timestamp.
 *
 * @param measurement the point's measurement (for metrics and dead-letter reasons)
 * @param line        one line of line protocol, no trailing newline, timestamp in nanoseconds
 * @param time        the timestamp ending {@code line} (for ordering writes), 0 when the line ends otherwise
 */
public record Point(String measurement, String line, long time) {
    public Point {
        Objects.requireNonNull(measurement, "measurement");
        Objects.requireNonNull(line, "line");
    }

    /** A point whose time is read off the end of its line. */
    public Point(String measurement, String line) {
        this(measurement, line, timeOf(Objects.requireNonNull(line, "line")));
    }

    /** Bytes this point adds to a write body (line plus newline). */
    public int size() {
        return line.length() + 1;
    }

    /** The digits after the line's last space as a number; 0 when they are not all digits. */
    private static long timeOf(String line) {
        long v = 0;
        for (int i = line.lastIndexOf(' ') + 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
