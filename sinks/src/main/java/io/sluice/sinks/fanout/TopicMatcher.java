package io.sluice.sinks.fanout;

import java.util.LinkedHashMap;
import java.util.Map;

/** Matches MQTT topics against a filter with named segments. Immutable, thread-safe. */
final class TopicMatcher {
    private final String[] segments;

    TopicMatcher(String filter) {
        this.segments = filter.split("/", -1);
    }

    /** The named segments' values when {@code topic} matches, else null. */
    Map<String, String> match(String topic) {
        String[] parts = topic.split("/", -1);
        Map<String, String> names = new LinkedHashMap<>();
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            if (s.equals("#")) {
                return names;
            }
            if (i >= parts.length) {
                return null;
            }
            if (s.startsWith("{")) {
                if (parts[i].isEmpty()) {
                    return null;
                }
                names.put(s.substring(1, s.length() - 1), parts[i]);
            } else if (!s.equals("+") && !s.equals(parts[i])) {
                return null;
            }
        }
        return parts.length == segments.length ? names : null;
    }
}
