package io.sluice.sinks.fanout;

import io.sluice.sinks.MappingRule;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * One mapping rule's topic filter, compiled to match a topic's bytes and to write the series of its points
 * (escaped measurement, then the tags in key order) straight into a buffer: no map, string or cache entry per topic,
 * so a fan-out member that sees millions of distinct topics pays per record what it pays for a few. For ASCII
 * topics; it gives the series {@link TopicMatcher} and {@link LineProtocol} give for the topic as a string, which
 * stay the path for other topics. Immutable and thread-safe; the caller owns the bounds and the buffer.
 */
final class TopicSeries {
    private static final byte LITERAL = 0;
    private static final byte ANY = 1;
    private static final byte REST = 2;
    private static final byte NAMED = 3;
    private final byte[] kinds;
    private final byte[][] literals;
    /** The segment naming the measurement (the last {@code {measurement}}), or -1 for the rule's own. */
    private final int measurementSegment;
    private final String measurement;
    private final byte[] measurementEscaped;
    /** The tags in key order: {@code ,key=} escaped, then a fixed escaped value, or (value null) a segment's. */
    private final byte[][] tagPrefixes;
    private final byte[][] tagValues;
    private final int[] tagSegments;
    /** Whether every fixed part of the series is ASCII (with an ASCII topic the whole series then is). */
    private final boolean fixedAscii;

    TopicSeries(MappingRule rule) {
        String[] segments = rule.topicFilter().split("/", -1);
        kinds = new byte[segments.length];
        literals = new byte[segments.length][];
        Map<String, Integer> named = new TreeMap<>();
        int measured = -1;
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            if (s.equals("#")) {
                kinds[i] = REST;
            } else if (s.equals("+")) {
                kinds[i] = ANY;
            } else if (s.startsWith("{")) {
                kinds[i] = NAMED;
                String name = s.substring(1, s.length() - 1);
                if (name.equals("measurement")) {
                    measured = i;
                } else {
                    named.put(name, i); // a name given twice takes its last segment, as TopicMatcher does
                }
            } else {
                kinds[i] = LITERAL;
                literals[i] = s.getBytes(StandardCharsets.UTF_8);
            }
        }
        measurementSegment = measured;
        measurement = measured >= 0 ? null : rule.measurement();
        measurementEscaped = measured >= 0 ? null : utf8(escaped(rule.measurement(), true));
        Map<String, Object> tags = new TreeMap<>(rule.tags());
        tags.putAll(named);
        int n = 0;
        byte[][] prefixes = new byte[tags.size()][];
        byte[][] values = new byte[tags.size()][];
        int[] segmentsOfTags = new int[tags.size()];
        boolean ascii = measurementEscaped == null || JsonLine.ascii(measurementEscaped);
        for (Map.Entry<String, Object> t : tags.entrySet()) {
            if (t.getValue() instanceof String fixed && fixed.isEmpty()) {
                continue; // an empty tag value is left out, as LineProtocol.tags does
            }
            prefixes[n] = utf8("," + escaped(t.getKey(), false) + "=");
            ascii &= JsonLine.ascii(prefixes[n]);
            if (t.getValue() instanceof String fixed) {
                values[n] = utf8(escaped(fixed, false));
                ascii &= JsonLine.ascii(values[n]);
            } else {
                segmentsOfTags[n] = (Integer) t.getValue();
            }
            n++;
        }
        tagPrefixes = Arrays.copyOf(prefixes, n);
        tagValues = Arrays.copyOf(values, n);
        tagSegments = Arrays.copyOf(segmentsOfTags, n);
        fixedAscii = ascii;
    }

    private static String escaped(String s, boolean measurement) {
        StringBuilder b = new StringBuilder();
        if (measurement) {
            LineProtocol.measurement(b, s);
        } else {
            LineProtocol.key(b, s);
        }
        return b.toString();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** How many bounds {@link #match} may write: two per segment. */
    int boundsNeeded() {
        return 2 * kinds.length;
    }

    /**
     * Whether {@code topic} matches, as {@link TopicMatcher#match} decides; on a match {@code bounds[2i, 2i+1]} hold
     * the start and end of each named segment {@code i}.
     */
    boolean match(byte[] topic, int[] bounds) {
        return match(topic, 0, bounds);
    }

    /**
     * As {@link #match(byte[], int[])} for the topic {@code topic[from, topic.length)} (e.g. the end of a header
     * value), with bounds that index the whole array.
     */
    boolean match(byte[] topic, int from, int[] bounds) {
        int start = from;
        for (int i = 0; i < kinds.length; i++) {
            byte kind = kinds[i];
            if (kind == REST) {
                return true;
            }
            if (start > topic.length) {
                return false; // the topic has fewer levels than the filter
            }
            int end = start;
            while (end < topic.length && topic[end] != '/') {
                end++;
            }
            if (kind == NAMED) {
                if (end == start) {
                    return false;
                }
                bounds[2 * i] = start;
                bounds[2 * i + 1] = end;
            } else if (kind == LITERAL && !Arrays.equals(topic, start, end, literals[i], 0, literals[i].length)) {
                return false;
            }
            start = end + 1;
        }
        return start == topic.length + 1;
    }

    /** The measurement of a topic {@link #match} accepted with these bounds. */
    String measurement(byte[] topic, int[] bounds) {
        if (measurement != null) {
            return measurement;
        }
        int from = bounds[2 * measurementSegment];
        return new String(topic, from, bounds[2 * measurementSegment + 1] - from, StandardCharsets.ISO_8859_1);
    }

    /** Whether the series of an ASCII topic is ASCII (then no decoding is needed to make a string of it). */
    boolean fixedPartsAscii() {
        return fixedAscii;
    }

    /** Writes the series of a topic {@link #match} accepted with these bounds to {@code out}. */
    void writeSeries(byte[] topic, int[] bounds, Bytes out) {
        if (measurementSegment >= 0) {
            out.escaped(topic, bounds[2 * measurementSegment], bounds[2 * measurementSegment + 1], true);
        } else {
            out.put(measurementEscaped);
        }
        for (int t = 0; t < tagPrefixes.length; t++) {
            out.put(tagPrefixes[t]);
            if (tagValues[t] != null) {
                out.put(tagValues[t]);
            } else {
                int seg = tagSegments[t];
                out.escaped(topic, bounds[2 * seg], bounds[2 * seg + 1], false);
            }
        }
    }

    /** A growable byte buffer, reused by its thread. */
    static final class Bytes {
        byte[] b = new byte[128];
        int len;

        void put(byte[] src) {
            room(src.length);
            System.arraycopy(src, 0, b, len, src.length);
            len += src.length;
        }

        /** Appends {@code src[from, to)} escaped as a measurement or as a tag key or value. */
        void escaped(byte[] src, int from, int to, boolean measurement) {
            room(2 * (to - from));
            for (int i = from; i < to; i++) {
                byte c = src[i];
                if (c == '\n' || c == '\r') { // line protocol cannot carry a line break: an escaped space
                    b[len++] = '\\';
                    b[len++] = ' ';
                    continue;
                }
                if (c == '\\' || c == ',' || c == ' ' || (c == '=' && !measurement)) {
                    b[len++] = '\\';
                }
                b[len++] = c;
            }
        }

        private void room(int more) {
            if (len + more > b.length) {
                b = Arrays.copyOf(b, Math.max(2 * b.length, len + more));
            }
        }
    }
}
