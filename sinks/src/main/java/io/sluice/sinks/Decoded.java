package io.sluice.sinks;

import java.util.List;

/** What decoding one reading gave: points, a failure with its reason, or no matching rule. */
public sealed interface Decoded {
    record Points(List<Point> points) implements Decoded {
        public Points {
            points = List.copyOf(points);
        }
    }

    /** The payload cannot become a point; {@code reason} is a short stable code such as {@code malformed_json}. */
    record Failed(String reason, String message) implements Decoded {
    }

    record Unmatched() implements Decoded {
    }
}
