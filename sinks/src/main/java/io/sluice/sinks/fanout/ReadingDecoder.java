package io.sluice.sinks.fanout;

import io.sluice.sinks.Decoded;
import io.sluice.sinks.MappingRule;
import io.sluice.sinks.Point;
import io.sluice.sinks.Reading;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns readings into points by the first mapping rule whose topic filter matches. Immutable and thread-safe; never
 * throws for bad input: a payload that cannot become a point is a {@link Decoded.Failed} with a reason code
 * ({@code malformed_utf8}, {@code malformed_json}, {@code malformed_line}, {@code malformed_number},
 * {@code bad_timestamp}, {@code no_fields}, and {@code too_deep} / {@code too_long} for a payload past a bound).
 *
 * <p>Bounded work per record: no decoder recurses deeper than {@link Json#MAX_DEPTH} levels whatever the input, a
 * number is at most {@link Json#MAX_NUMBER_LENGTH} characters, and a JSON object's flattened keys (each nested key
 * repeats its parents' names) total at most {@value #FLAT_KEYS_PER_PAYLOAD_CHAR} characters per payload character
 * plus {@value #FLAT_KEYS_SLACK}, so the work and memory of one record grow linearly with its size.
 */
public final class ReadingDecoder {
    private static final int CACHE_MAX = 10_000;
    static final int FLAT_KEYS_PER_PAYLOAD_CHAR = 8;
    static final int FLAT_KEYS_SLACK = 65_536;
    private final List<MappingRule> rules;
    private final List<TopicMatcher> matchers;
    /**
     * What each recently seen topic that is not ASCII, or that a line-protocol rule takes, maps to (rule,
     * measurement, tags, the escaped series). Bounded: cleared when it holds {@link #CACHE_MAX} topics. ASCII topics
     * of JSON and number rules take no cache: {@link TopicSeries} writes their series from the topic's bytes.
     */
    private final Map<TopicKey, Match> cache = new java.util.concurrent.ConcurrentHashMap<>();

    /** A topic's mapping; {@code rule} is -1 when no rule matches. */
    private record Match(int rule, String measurement, Map<String, String> tags, byte[] seriesUtf8,
                         boolean seriesAscii) {
    }

    /** A topic as the UTF-8 bytes the log's header holds (no string is made of it per record). */
    private static final class TopicKey {
        final byte[] utf8;
        final int hash;

        TopicKey(byte[] utf8) {
            this.utf8 = utf8;
            this.hash = java.util.Arrays.hashCode(utf8);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TopicKey k && k.hash == hash && java.util.Arrays.equals(k.utf8, utf8);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private static final byte[] EMPTY = new byte[0];
    /** Each rule's filter compiled for ASCII topics: their records take no cache (see {@link TopicSeries}). */
    private final TopicSeries[] series;
    private final int boundsNeeded;

    /** Per thread: the named segments' bounds, the series being written and the JSON cursor. */
    private static final class Scratch {
        int[] bounds = new int[16];
        final TopicSeries.Bytes out = new TopicSeries.Bytes();
        final JsonLine.Cursor cursor = new JsonLine.Cursor();
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
    private static final Match UNMATCHED = new Match(-1, null, Map.of(), null, true);
    /** Each rule's key separator and timestamp field (null: none) in UTF-8, for the JSON fast path. */
    private final byte[][] separators;
    private final byte[][] timestampFields;
    /** Each rule's conversion of its timestamp field to nanoseconds (made once, not per record). */
    private final java.util.function.LongUnaryOperator[] precisions;

    public ReadingDecoder(List<MappingRule> rules) {
        this.rules = List.copyOf(rules);
        this.series = this.rules.stream().map(TopicSeries::new).toArray(TopicSeries[]::new);
        this.boundsNeeded = java.util.Arrays.stream(series).mapToInt(TopicSeries::boundsNeeded).max().orElse(0);
        this.matchers = this.rules.stream().map(r -> new TopicMatcher(r.topicFilter())).toList();
        this.separators = this.rules.stream().map(r -> r.separator().getBytes(StandardCharsets.UTF_8))
                .toArray(byte[][]::new);
        this.timestampFields = this.rules.stream()
                .map(r -> r.timestampField() == null ? null : r.timestampField().getBytes(StandardCharsets.UTF_8))
                .toArray(byte[][]::new);
        this.precisions = this.rules.stream().map(r -> (java.util.function.LongUnaryOperator) r.precision()::toNanos)
                .toArray(java.util.function.LongUnaryOperator[]::new);
    }

    /**
     * False when no rule can use a reading's receive time (every rule is JSON taking the time from a payload field),
     * so a caller need not read it.
     */
    public boolean usesReceiveTime() {
        return rules.stream().anyMatch(r -> r.format() != io.sluice.sinks.PayloadFormat.JSON
                || r.timestampField() == null);
    }

    public Decoded decode(Reading reading) {
        return decode(reading.topic().getBytes(StandardCharsets.UTF_8), reading.payload(), reading.receivedNs());
    }

    /**
     * Decodes one record's payload.
     *
     * @param topic      the MQTT topic in UTF-8, as the {@code sluice.topic} header holds it (not kept beyond the
     *                   call; copied only when it goes into the cache)
     * @param payload    the raw payload
     * @param receivedNs the receive time, epoch nanoseconds, for rules that take the time from it
     */
    public Decoded decode(byte[] topic, byte[] payload, long receivedNs) {
        return decode(topic, 0, payload, receivedNs);
    }

    /**
     * As {@link #decode(byte[], byte[], long)} for the topic {@code src[topicFrom, src.length)}: the end of a header
     * value that holds it last, read where it is.
     */
    public Decoded decode(byte[] src, int topicFrom, byte[] payload, long receivedNs) {
        if (payload == null) {
            payload = EMPTY;
        }
        if (JsonLine.ascii(src, topicFrom, src.length)) {
            Scratch s = SCRATCH.get();
            if (s.bounds.length < boundsNeeded) {
                s.bounds = new int[boundsNeeded];
            }
            for (int i = 0; i < series.length; i++) {
                TopicSeries rule = series[i];
                if (!rule.match(src, topicFrom, s.bounds)) {
                    continue;
                }
                if (rules.get(i).format() == io.sluice.sinks.PayloadFormat.LINE_PROTOCOL) {
                    return decodeCached(topicOf(src, topicFrom), payload, receivedNs); // tags to each line from a map
                }
                s.out.len = 0;
                rule.writeSeries(src, s.bounds, s.out);
                return decode(s.cursor, i, rule.measurement(src, s.bounds), s.out.b, s.out.len,
                        rule.fixedPartsAscii(), null, payload, receivedNs);
            }
            return new Decoded.Unmatched();
        }
        return decodeCached(topicOf(src, topicFrom), payload, receivedNs);
    }

    private static byte[] topicOf(byte[] src, int from) {
        return from == 0 ? src : java.util.Arrays.copyOfRange(src, from, src.length);
    }

    /**
     * The path for topics that are not ASCII and for line-protocol rules: the topic's mapping is made from the topic
     * as a string and kept in the cache. Package-private for tests that hold it against the byte path.
     */
    Decoded decodeCached(byte[] topic, byte[] payload, long receivedNs) {
        TopicKey key = new TopicKey(topic);
        Match m = cache.get(key);
        if (m == null) {
            m = match(new String(topic, StandardCharsets.UTF_8));
            if (cache.size() >= CACHE_MAX) {
                cache.clear();
            }
            cache.put(new TopicKey(topic.clone()), m);
        }
        return m.rule() < 0 ? new Decoded.Unmatched() : decode(SCRATCH.get().cursor, m.rule(), m.measurement(),
                m.seriesUtf8(), m.seriesUtf8().length, m.seriesAscii(), m.tags(), payload, receivedNs);
    }

    private Match match(String topic) {
        for (int i = 0; i < rules.size(); i++) {
            Map<String, String> names = matchers.get(i).match(topic);
            if (names != null) {
                MappingRule rule = rules.get(i);
                String measurement = names.containsKey("measurement") ? names.remove("measurement")
                        : rule.measurement();
                Map<String, String> tags = new TreeMap<>(rule.tags());
                tags.putAll(names);
                String series = series(measurement, tags).toString();
                byte[] seriesUtf8 = series.getBytes(StandardCharsets.UTF_8);
                return new Match(i, measurement, java.util.Collections.unmodifiableMap(tags), seriesUtf8,
                        JsonLine.ascii(seriesUtf8));
            }
        }
        return UNMATCHED;
    }

    /**
     * Decodes a payload by rule {@code ruleIndex} into points of series {@code series[0, seriesLength)} (escaped
     * measurement and tags, UTF-8); {@code tags} may be null unless the rule is line protocol.
     */
    private Decoded decode(JsonLine.Cursor cursor, int ruleIndex, String measurement, byte[] series, int seriesLength,
                           boolean seriesAscii, Map<String, String> tags, byte[] payload, long receivedNs) {
        MappingRule rule = rules.get(ruleIndex);
        if (rule.format() != io.sluice.sinks.PayloadFormat.LINE_PROTOCOL
                && (measurement.isEmpty() || measurement.charAt(0) == '#')) {
            // a line starting with '#' is a comment: the TSDB would drop the point without a word
            return new Decoded.Failed("invalid_measurement", "measurement '" + measurement
                    + "' (from the topic) is empty or starts with '#', which line protocol reads as a comment");
        }
        if (rule.format() == io.sluice.sinks.PayloadFormat.JSON) {
            Point p = JsonLine.point(cursor, payload, measurement, series, seriesLength, seriesAscii,
                    separators[ruleIndex], timestampFields[ruleIndex], precisions[ruleIndex], receivedNs);
            if (p != null) {
                return new Decoded.Points(List.of(p));
            }
        }
        String text;
        if (JsonLine.ascii(payload)) {
            text = new String(payload, StandardCharsets.ISO_8859_1); // ASCII is UTF-8: no checks needed
        } else {
            try {
                text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(payload))
                        .toString();
            } catch (CharacterCodingException e) {
                return new Decoded.Failed("malformed_utf8", "payload is not UTF-8");
            }
        }
        try {
            return switch (rule.format()) {
                case JSON -> json(rule, measurement, seriesText(series, seriesLength, seriesAscii), text, receivedNs);
                case NUMBER -> number(rule, measurement, seriesText(series, seriesLength, seriesAscii), text.trim(),
                        receivedNs);
                case LINE_PROTOCOL -> lines(rule, tags, text, receivedNs);
            };
        } catch (Failure f) {
            return new Decoded.Failed(f.reason, f.getMessage());
        }
    }

    private static String seriesText(byte[] series, int length, boolean ascii) {
        return new String(series, 0, length, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
    }

    /** The general JSON path alone (no fast path), for tests that hold the two against each other. */
    static Decoded jsonGeneral(MappingRule rule, String measurement, String series, String text, long receivedNs) {
        try {
            return json(rule, measurement, series, text, receivedNs);
        } catch (Failure f) {
            return new Decoded.Failed(f.reason, f.getMessage());
        }
    }

    private static Decoded json(MappingRule rule, String measurement, String series, String text,
                                long receivedNs) {
        Object root;
        try {
            root = Json.parse(text);
        } catch (Json.Limit e) {
            throw new Failure(e.reason, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new Failure("malformed_json", e.getMessage());
        }
        if (!(root instanceof Map<?, ?> obj)) {
            throw new Failure("malformed_json", "payload is not a JSON object");
        }
        Map<String, Object> flat = new LinkedHashMap<>();
        long[] keyBudget = {(long) FLAT_KEYS_PER_PAYLOAD_CHAR * text.length() + FLAT_KEYS_SLACK};
        flatten("", obj, rule.separator(), flat, keyBudget);
        long ts = receivedNs;
        if (rule.timestampField() != null) {
            Object t = flat.remove(rule.timestampField());
            if (!(t instanceof Number n) || (t instanceof Double d && d != Math.floor(d))) {
                throw new Failure("bad_timestamp", "field '" + rule.timestampField() + "' is missing or not an "
                        + "integer: " + t);
            }
            ts = nanos(rule, n.longValue());
        }
        StringBuilder b = new StringBuilder(series.length() + 64).append(series);
        char sep = ' ';
        for (Map.Entry<String, Object> e : flat.entrySet()) {
            Object v = e.getValue();
            if (v == null) {
                continue;
            }
            if (e.getKey().isEmpty()) {
                throw new Failure("malformed_json", "a field has an empty name, which no TSDB takes");
            }
            b.append(sep);
            sep = ',';
            LineProtocol.key(b, e.getKey());
            b.append('=');
            switch (v) {
                case Long l -> b.append((double) l); // JSON has one number type: always a float field
                case Double d -> {
                    if (d.isNaN() || d.isInfinite()) {
                        throw new Failure("malformed_json", "field '" + e.getKey() + "' is not finite");
                    }
                    b.append(d);
                }
                case Boolean bool -> b.append(bool);
                default -> LineProtocol.stringValue(b, v.toString());
            }
        }
        if (sep == ' ') {
            throw new Failure("no_fields", "JSON object has no fields");
        }
        b.append(' ').append(ts);
        return new Decoded.Points(List.of(new Point(measurement, b.toString())));
    }

    /**
     * Flattens nested objects into {@code out}; recursion is as deep as {@link Json} let the nesting be. Every key
     * made is charged to {@code budget[0]} (characters): past it the payload is {@code too_long}.
     */
    private static void flatten(String prefix, Map<?, ?> obj, String sep, Map<String, Object> out, long[] budget) {
        for (Map.Entry<?, ?> e : obj.entrySet()) {
            String name = e.getKey().toString();
            budget[0] -= prefix.length() + sep.length() + name.length();
            if (budget[0] < 0) {
                throw new Failure("too_long", "flattened keys longer than the payload allows (" + FLAT_KEYS_PER_PAYLOAD_CHAR
                        + " characters per payload character)");
            }
            String key = prefix.isEmpty() ? name : prefix + sep + name;
            if (e.getValue() instanceof Map<?, ?> nested) {
                flatten(key, nested, sep, out, budget);
            } else if (!(e.getValue() instanceof List<?>)) { // arrays have no field shape: skipped
                out.put(key, e.getValue());
            }
        }
    }

    private static Decoded number(MappingRule rule, String measurement, String series, String text,
                                  long receivedNs) {
        if (text.length() > Json.MAX_NUMBER_LENGTH) {
            throw new Failure("too_long", "payload longer than a number may be (" + Json.MAX_NUMBER_LENGTH
                    + " characters)");
        }
        double v;
        try {
            v = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new Failure("malformed_number", "payload is not a number: '" + abbreviate(text) + "'");
        }
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            throw new Failure("malformed_number", "payload is not a finite number");
        }
        StringBuilder b = new StringBuilder(series.length() + 32).append(series).append(' ');
        LineProtocol.key(b, rule.field());
        b.append('=').append(v).append(' ').append(receivedNs);
        return new Decoded.Points(List.of(new Point(measurement, b.toString())));
    }

    private static Decoded lines(MappingRule rule, Map<String, String> tags, String text, long receivedNs) {
        List<Point> points = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int[] cut;
            try {
                cut = LineProtocol.sections(line);
            } catch (IllegalArgumentException e) {
                throw new Failure("malformed_line", "'" + abbreviate(line) + "': " + e.getMessage());
            }
            String invalid = LineProtocol.invalid(line, cut[0], cut[1]);
            if (invalid != null) {
                throw new Failure("malformed_line", "'" + abbreviate(line) + "': " + invalid);
            }
            long ts = receivedNs;
            if (cut[1] < line.length()) {
                try {
                    ts = nanos(rule, Long.parseLong(line.substring(cut[1] + 1).trim()));
                } catch (NumberFormatException e) {
                    throw new Failure("bad_timestamp", "'" + abbreviate(line) + "': timestamp is not an integer");
                }
            }
            String series = line.substring(0, cut[0]);
            StringBuilder b = new StringBuilder(line.length() + 64).append(series);
            LineProtocol.tags(b, tags);
            b.append(line, cut[0], cut[1]).append(' ').append(ts);
            points.add(new Point(measurementOf(series), b.toString()));
        }
        if (points.isEmpty()) {
            throw new Failure("no_fields", "payload has no lines");
        }
        return new Decoded.Points(points);
    }

    private static String measurementOf(String series) {
        for (int i = 0; i < series.length(); i++) {
            char c = series.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == ',') {
                return series.substring(0, i);
            }
        }
        return series;
    }

    private static StringBuilder series(String measurement, Map<String, String> tags) {
        StringBuilder b = new StringBuilder(128);
        LineProtocol.measurement(b, measurement);
        LineProtocol.tags(b, tags);
        return b;
    }

    private static long nanos(MappingRule rule, long value) {
        try {
            return rule.precision().toNanos(value);
        } catch (ArithmeticException e) {
            throw new Failure("bad_timestamp", "timestamp " + value + " " + rule.precision() + " overflows");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /** Internal control flow for a reading that cannot decode; never escapes this class. */
    private static final class Failure extends RuntimeException {
        final String reason;

        Failure(String reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }
    }
}
