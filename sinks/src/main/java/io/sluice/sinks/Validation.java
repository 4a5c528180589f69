package io.sluice.sinks;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/** Field checks shared by the config records; every message names the field, the value and the rule. */
public final class Validation {
    private Validation() {
    }

    public static void notBlank(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank: " + (value == null ? "null" : "'" + value + "'"));
        }
    }

    public static void atLeast(String field, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(field + " must be >= " + min + ": " + value);
        }
    }

    /** An immutable, sorted copy of extra client properties, refusing keys Sluice sets itself. */
    public static Map<String, String> extraProperties(Map<String, String> props, Set<String> reserved) {
        if (props == null) {
            return Map.of();
        }
        var copy = new TreeMap<String, String>();
        for (var e : props.entrySet()) {
            Objects.requireNonNull(e.getKey(), "clientProperties key");
            if (e.getValue() == null) {
                throw new IllegalArgumentException("clientProperties." + e.getKey() + " must not be null");
            }
            if (reserved.contains(e.getKey())) {
                throw new IllegalArgumentException("clientProperties." + e.getKey() + " = '" + e.getValue()
                        + "' is not allowed: Sluice sets " + e.getKey() + " itself");
            }
            copy.put(e.getKey(), e.getValue());
        }
        return java.util.Collections.unmodifiableMap(copy);
    }
}
