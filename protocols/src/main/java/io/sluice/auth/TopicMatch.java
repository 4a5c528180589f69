package io.sluice.auth;

/**
 * MQTT topic filter arithmetic for authorization, without recursion and linear in the number of levels: whether a
 * filter matches a topic name, and whether one filter covers every topic another can match. Topics beginning with
 * {@code $} are not matched by a wildcard in the first level, as MQTT says [MQTT-4.7.2-1]. Stateless.
 */
final class TopicMatch {
    private TopicMatch() {
    }

    /** True when {@code filter} matches topic name {@code topic}. */
    static boolean matches(String filter, String topic) {
        return covers(filter, topic);
    }

    /** True when every topic {@code inner} (a filter or a name) can match is matched by {@code outer}. */
    static boolean covers(String outer, String inner) {
        String[] a = outer.split("/", -1);
        String[] s = inner.split("/", -1);
        if (inner.startsWith("$") && (a[0].equals("+") || a[0].equals("#"))) {
            return false;
        }
        for (int i = 0; ; i++) {
            if (i < a.length && a[i].equals("#")) {
                return true; // "a/#" also matches "a" itself
            }
            if (i == a.length || i == s.length) {
                return i == a.length && i == s.length;
            }
            if (s[i].equals("#")) {
                return false;
            }
            if (!a[i].equals("+") && (s[i].equals("+") || !a[i].equals(s[i]))) {
                return false;
            }
        }
    }
}
