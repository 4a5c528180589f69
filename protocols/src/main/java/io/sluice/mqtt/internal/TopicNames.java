package io.sluice.mqtt.internal;

/** MQTT topic name and filter rules (MQTT 3.1.1 section 4.7, MQTT 5 section 4.7). */
final class TopicNames {
    private TopicNames() {
    }

    /** A topic a PUBLISH may use: non-empty, no wildcards, no U+0000. */
    static boolean validName(String topic) {
        if (topic == null || topic.isEmpty() || topic.length() > 65535) {
            return false;
        }
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (c == '+' || c == '#' || c == '\u0000') {
                return false;
            }
        }
        return true;
    }

    /** A SUBSCRIBE filter: '#' only as the whole last level, '+' only as a whole level, no U+0000. */
    static boolean validFilter(String filter) {
        if (filter == null || filter.isEmpty() || filter.length() > 65535 || filter.indexOf('\u0000') >= 0) {
            return false;
        }
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.contains("#") && (!level.equals("#") || i != levels.length - 1)) {
                return false;
            }
            if (level.contains("+") && !level.equals("+")) {
                return false;
            }
        }
        return true;
    }
}
