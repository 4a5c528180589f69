package io.sluice.sinks.fanout;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which points of a body an InfluxDB 1.x error message names as dropped. InfluxDB 1.x answers a body it took in part
 * with 400 {@code partial write: REASON dropped=N}; REASON is either every line it could not parse
 * ({@code unable to parse 'LINE': why}, one per line, and then N is 0: unparsable lines are not counted) or the first
 * field type conflict it met ({@code field type conflict: input field "F" on measurement "M" is type T, already
 * exists as type U}; N counts every point dropped, so further conflicts may hide behind the first). A body of only
 * unparsable lines gets the same list without the {@code partial write:} prefix.
 *
 * <p>A named line is matched exactly; a type conflict names every point of measurement M whose field F has type T,
 * which is exact only within one shard (field types are kept per shard), so it is used only when every point lies in
 * one hour (every shard duration is a whole number of hours, and shards start at multiples of it). The answer is
 * {@link Named#complete() complete} when it accounts for everything the server dropped; otherwise the caller writes
 * the rest again (the same series and timestamp overwrite) to learn the remaining ones. Stateless.
 */
final class PartialWrite {
    static final long HOUR_NANOS = 3_600_000_000_000L;
    private static final String PARTIAL = "partial write: ";
    private static final String UNPARSABLE = "unable to parse '";
    private static final Pattern DROPPED = Pattern.compile(" dropped=\\d+$");
    private static final Pattern CONFLICT = Pattern.compile("^field type conflict: input field \"(.*)\" on measurement"
            + " \"(.*)\" is type (float|integer|unsigned|string|boolean), already exists as type \\w+$");

    private PartialWrite() {
    }

    /**
     * Points named as dropped (index into the part, with the message naming it), and whether they are all the server
     * dropped.
     */
    record Named(Map<Integer, String> points, boolean complete) {
    }

    /** What {@code message} (with {@code dropped} as the server counted, or WriteRefused.NOT_PARTIAL) names. */
    static <S> Named named(List<MicroBatcher.Entry<S>> part, String message, int dropped) {
        String reason = message.startsWith(PARTIAL) ? message.substring(PARTIAL.length()) : message;
        reason = DROPPED.matcher(reason).replaceFirst("");
        if (reason.startsWith(UNPARSABLE)) {
            return unparsable(part, reason);
        }
        Matcher c = CONFLICT.matcher(reason);
        if (c.matches() && dropped > 0 && withinOneHour(part)) {
            Map<Integer, String> named = new LinkedHashMap<>();
            for (int i = 0; i < part.size(); i++) {
                String line = part.get(i).point().line();
                if (c.group(3).equals(LineProtocol.fieldType(line, c.group(2), c.group(1)))) {
                    named.put(i, reason);
                }
            }
            if (named.size() > dropped) {
                return new Named(Map.of(), false); // not what InfluxDB does: trust nothing of it
            }
            return new Named(named, named.size() == dropped);
        }
        return new Named(Map.of(), false);
    }

    /** Every segment names one line; complete when every segment matched a line of the part. */
    private static <S> Named unparsable(List<MicroBatcher.Entry<S>> part, String reason) {
        Map<String, List<Integer>> byLine = new HashMap<>();
        for (int i = 0; i < part.size(); i++) {
            byLine.computeIfAbsent(part.get(i).point().line(), k -> new ArrayList<>(1)).add(i);
        }
        Map<Integer, String> named = new LinkedHashMap<>();
        boolean complete = true;
        for (String segment : reason.split("\n")) {
            int end = segment.lastIndexOf("': ");
            List<Integer> at = !segment.startsWith(UNPARSABLE) || end < UNPARSABLE.length() ? null
                    : byLine.get(segment.substring(UNPARSABLE.length(), end));
            if (at == null) {
                complete = false;
                continue;
            }
            at.forEach(i -> named.put(i, segment));
        }
        return new Named(named, complete);
    }

    /** True when every point has a timestamp and all fall in the same hour. */
    static <S> boolean withinOneHour(List<MicroBatcher.Entry<S>> part) {
        long hour = -1;
        for (MicroBatcher.Entry<S> e : part) {
            long t = e.point().time();
            if (t <= 0 || (hour >= 0 && t / HOUR_NANOS != hour)) {
                return false;
            }
            hour = t / HOUR_NANOS;
        }
        return true;
    }
}
