package io.sluice.mqtt.internal.outbound;

/**
 * A shared subscription {@code $share/GROUP/FILTER} (MQTT 5 section 4.8.2) taken apart.
 *
 * @param group  the share name: non-empty, no '/', '+' or '#'
 * @param filter the topic filter the group's members share
 */
public record SharedFilter(String group, String filter) {
    public static final String PREFIX = "$share/";

    /** True when {@code filter} is meant as a shared subscription (starts with {@code $share/}). */
    public static boolean isShared(String filter) {
        return filter.startsWith(PREFIX);
    }

    /**
     * The group and filter of {@code $share/GROUP/FILTER}, or null when it is not a valid shared subscription: an
     * empty share name, one holding '+' or '#', or no topic filter after it [MQTT-4.8.2-1, MQTT-4.8.2-2]. The
     * filter part is checked by the caller as any topic filter.
     */
    public static SharedFilter parse(String filter) {
        if (!isShared(filter)) {
            return null;
        }
        int slash = filter.indexOf('/', PREFIX.length());
        if (slash <= PREFIX.length() || slash == filter.length() - 1) {
            return null;
        }
        String group = filter.substring(PREFIX.length(), slash);
        if (group.indexOf('+') >= 0 || group.indexOf('#') >= 0) {
            return null;
        }
        return new SharedFilter(group, filter.substring(slash + 1));
    }
}
