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

    /**
     * The integer after the line's last space (digits, after an optional minus sign: line protocol allows times before
     * 1970); 0 when it is not one or does not fit a long.
     */
    private static long timeOf(String line) {
        int i = line.lastIndexOf(' ') + 1;
        boolean negative = i < line.length() && line.charAt(i) == '-';
        if (negative) {
            i++;
        }
        if (i == line.length()) {
            return 0;
        }
        long v = 0;
        for (; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9' || v < -(Long.MAX_VALUE / 10)) {
                return 0;
            }
            v = v * 10 - (c - '0');
            if (v > 0) {
                return 0;
            }
        }
        if (negative) {
            return v;
        }
        return v == Long.MIN_VALUE ? 0 : -v;
    }
}
