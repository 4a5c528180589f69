package io.sluice.sinks.fanout;

import java.util.LinkedHashMap;
import java.util.Map;

/** Matches MQTT topics against a filter with named segments. Immutable, thread-safe. */
final class TopicMatcher {
    private final String[] segments;

    TopicMatcher(String filter) {
        this.segments = filter.split("/", -1);
    }

    /** The named segments' values when {@code topic} matches, else null. Walks the topic without splitting it. */
    Map<String, String> match(String topic) {
        Map<String, String> names = new LinkedHashMap<>(4);
        int start = 0;
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            if (s.equals("#")) {
                return names;
            }
            if (start > topic.length()) {
                return null; // the topic has fewer levels than the filter
            }
            int end = topic.indexOf('/', start);
            if (end < 0) {
                end = topic.length();
            }
            if (s.startsWith("{")) {
                if (end == start) {
                    return null;
                }
                names.put(s.substring(1, s.length() - 1), topic.substring(start, end));
            } else if (!s.equals("+") && !topic.regionMatches(start, s, 0, Math.max(s.length(), end - start))) {
                return null;
            }
            start = end + 1;
        }
        return start == topic.length() + 1 ? names : null;
    }
}
