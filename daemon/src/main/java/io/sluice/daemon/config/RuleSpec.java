package io.sluice.daemon.config;

import io.sluice.sinks.MappingRule;
import io.sluice.sinks.PayloadFormat;
import io.sluice.sinks.TimePrecision;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One entry of {@code fanout.rules} as written, before it becomes a mapping rule.
 *
 * @param index          0-based position in the list, for messages ({@code fanout.rules[2]})
 * @param topic          MQTT topic filter with optional named segments
 * @param measurement    measurement, or null when the filter names it
 * @param format         {@code json}, {@code line_protocol} or {@code number}
 * @param field          field name for bare numbers, or null
 * @param timestampField JSON field holding the timestamp, or null for the receive time
 * @param precision      {@code ns}, {@code us}, {@code ms} or {@code s}
 * @param separator      joins nested JSON keys, or null
 * @param tags           constant tags
 * @param line           1-based line of the entry, 0 for the default
 */
public record RuleSpec(int index, String topic, String measurement, String format, String field,
                       String timestampField, String precision, String separator, Map<String, String> tags,
                       int line) {

    /** The words each rule may hold, in the order the docs list them. */
    static final List<String> KEYS = List.of("topic", "measurement", "format", "field", "timestamp_field",
            "precision", "separator", "tags");
    static final List<String> FORMATS = List.of("json", "line_protocol", "number");
    static final List<String> PRECISIONS = List.of("ns", "us", "ms", "s");

    public RuleSpec {
        tags = tags == null ? Map.of() : Map.copyOf(tags);
    }

    /**
     * The fan-out's rule.
     *
     * @throws IllegalArgumentException when the filter or the rule's parts do not fit together
     */
    public MappingRule toMappingRule() {
        return new MappingRule(topic, measurement, PayloadFormat.valueOf(format.toUpperCase(Locale.ROOT)), field,
                timestampField, TimePrecision.valueOf(precision.toUpperCase(Locale.ROOT)), separator, tags);
    }
}
