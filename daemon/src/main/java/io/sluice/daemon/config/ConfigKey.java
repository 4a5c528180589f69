package io.sluice.daemon.config;

import java.util.List;
import java.util.Objects;

/**
 * One config key: its dotted path, type, default, allowed range and documentation. The loader, the
 * {@code sluice config check} command, the reference docs and the sample file are all derived from these.
 *
 * @param path         dotted path as written in YAML sections, e.g. {@code mqtt.port}
 * @param type         value type
 * @param defaultValue default as it would be written in YAML (never null; "" for an empty string or map)
 * @param min          inclusive lower bound for numbers, or null
 * @param max          inclusive upper bound for numbers, or null
 * @param choices      allowed words for {@link KeyType#CHOICE}, else empty
 * @param doc          one or two sentences for operators
 */
public record ConfigKey(String path, KeyType type, String defaultValue, Long min, Long max,
                        List<String> choices, String doc) {

    public ConfigKey {
        Objects.requireNonNull(path);
        Objects.requireNonNull(type);
        Objects.requireNonNull(defaultValue);
        choices = choices == null ? List.of() : List.copyOf(choices);
    }

    static ConfigKey number(String path, KeyType type, long def, long min, long max, String doc) {
        return new ConfigKey(path, type, Long.toString(def), min, max, List.of(), doc);
    }

    static ConfigKey string(String path, String def, String doc) {
        return new ConfigKey(path, KeyType.STRING, def, null, null, List.of(), doc);
    }

    static ConfigKey bool(String path, boolean def, String doc) {
        return new ConfigKey(path, KeyType.BOOLEAN, Boolean.toString(def), null, null, List.of(), doc);
    }

    static ConfigKey choice(String path, String def, List<String> choices, String doc) {
        return new ConfigKey(path, KeyType.CHOICE, def, null, null, choices, doc);
    }

    static ConfigKey map(String path, String doc) {
        return new ConfigKey(path, KeyType.STRING_MAP, "", null, null, List.of(), doc);
    }

    /** A list of mapping rules; {@code defaultYaml} is the default written as a YAML flow list. */
    static ConfigKey rules(String path, String defaultYaml, String doc) {
        return new ConfigKey(path, KeyType.MAPPING_RULES, defaultYaml, null, null, List.of(), doc);
    }

    /** The rule this key's values must follow, as shown in errors and docs. */
    public String rule() {
        return switch (type) {
            case INT, LONG -> "an integer between " + min + " and " + max;
            case BOOLEAN -> "true or false";
            case STRING -> "a string";
            case STRING_MAP -> "a mapping of names to string values";
            case CHOICE -> "one of " + String.join(", ", choices);
            case MAPPING_RULES -> "a list of rules with keys " + String.join(", ", RuleSpec.KEYS);
        };
    }
}
