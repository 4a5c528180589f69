package io.sluice.mqtt.internal.outbound;

/** Whether one topic filter matches one topic name (MQTT section 4.7), level by level without recursion. */
public final class TopicMatcher {
    private TopicMatcher() {
    }

    /** True when {@code filter} (a valid filter, not {@code $share/}) matches {@code topic} (a valid name). */
    public static boolean matches(String filter, String topic) {
        if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
            return false;
        }
        int f = 0;
        int t = 0;
        while (true) {
            int fEnd = filter.indexOf('/', f);
            String fl = filter.substring(f, fEnd < 0 ? filter.length() : fEnd);
            if (fl.equals("#")) {
                return true;
            }
            if (t > topic.length()) {
                return false; // topic ran out of levels; only "#" (checked above) may stand for none
            }
            int tEnd = topic.indexOf('/', t);
            String tl = topic.substring(t, tEnd < 0 ? topic.length() : tEnd);
            if (!fl.equals("+") && !fl.equals(tl)) {
                return false;
            }
            if (fEnd < 0) {
                return tEnd < 0;
            }
            f = fEnd + 1;
            t = tEnd < 0 ? topic.length() + 1 : tEnd + 1;
        }
    }
}
