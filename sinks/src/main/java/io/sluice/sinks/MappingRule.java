package io.sluice.sinks;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One rule that maps readings on matching MQTT topics to points. The first matching rule wins.
 *
 * @param topicFilter     MQTT topic filter whose segments may be named: {@code sensors/{device}/{measurement}};
 *                        {@code {measurement}} names the measurement, other names become tags; {@code +} and a final
 *                        {@code #} match as in MQTT and capture nothing
 * @param measurement     the measurement when the filter has no {@code {measurement}} segment; may be null otherwise
 * @param format          payload format
 * @param field           field name for {@link PayloadFormat#NUMBER} payloads (e.g. {@code value})
 * @param timestampField  JSON field holding the timestamp (dotted path for nested), or null to use the record's
 *                        receive time ({@code sluice.received_ns})
 * @param precision       unit of timestamps found in payloads (JSON field or line protocol)
 * @param separator       joins nested JSON keys when flattening: {@code "_"} or {@code "."}
 * @param tags            constant tags added to every point of this rule
 */
public record MappingRule(String topicFilter, String measurement, PayloadFormat format, String field,
                          String timestampField, TimePrecision precision, String separator, Map<String, String> tags) {
    private static final Pattern SEGMENT = Pattern.compile("\\{[A-Za-z_][A-Za-z0-9_]*}|\\+|#|[^{}+#]*");

    public MappingRule {
        Objects.requireNonNull(topicFilter, "topicFilter");
        Objects.requireNonNull(format, "format");
        precision = precision == null ? TimePrecision.NS : precision;
        separator = separator == null ? "_" : separator;
        field = field == null ? "value" : field;
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        String[] segments = topicFilter.split("/", -1);
        boolean namesMeasurement = false;
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            if (!SEGMENT.matcher(s).matches() || (s.equals("#") && i != segments.length - 1)) {
                throw new IllegalArgumentException("topic_filter '" + topicFilter + "': bad segment '" + s + "'");
            }
            namesMeasurement |= s.equals("{measurement}");
        }
        if (!namesMeasurement && (measurement == null || measurement.isEmpty())) {
            throw new IllegalArgumentException("rule for '" + topicFilter
                    + "' needs a measurement or a {measurement} segment");
        }
        if (!separator.equals("_") && !separator.equals(".")) {
            throw new IllegalArgumentException("separator must be '_' or '.': '" + separator + "'");
        }
    }

    /** A JSON rule with the measurement taken from the topic and timestamps from the receive time. */
    public static MappingRule json(String topicFilter) {
        return new MappingRule(topicFilter, null, PayloadFormat.JSON, null, null, null, null, null);
    }
}
