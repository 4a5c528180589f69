package io.sluice.daemon.config;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads and validates a Sluice config. Every problem is collected and reported together; nothing falls back to a
 * default after an error. {@code sluice run} and {@code sluice config check} both come through here.
 */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    /** Reads and validates a YAML file. */
    public static SluiceConfig load(Path file) {
        String name = file.toString();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return load(name, reader);
        } catch (IOException e) {
            throw new ConfigException(List.of(name + ": cannot read: " + e.getMessage()));
        }
    }

    public static SluiceConfig load(String name, Reader reader) {
        YamlSource.Result raw = YamlSource.read(name, reader);
        return validate(name, raw.values(), new ArrayList<>(raw.problems()));
    }

    /** Parses YAML text (for tests, the demo and generated configs). */
    public static SluiceConfig fromYaml(String yaml) {
        return load("<inline>", new StringReader(yaml));
    }

    /** Builds a config from dotted keys and their scalar values, e.g. {@code "mqtt.port" -> "0"}. */
    public static SluiceConfig fromMap(Map<String, String> settings) {
        Map<String, RawValue> raw = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        settings.forEach((path, value) -> {
            ConfigKey key = ConfigSchema.key(path);
            if (key == null) {
                problems.add("<settings>: unknown key '" + path + "'");
            } else if (key.type() == KeyType.MAPPING_RULES) {
                List<RuleSpec> rules = YamlSource.rulesFromText("<settings>", path, value, problems);
                if (rules != null) {
                    raw.put(path, new RawValue(path, null, null, rules, 0));
                }
            } else if (key.type() == KeyType.STRING_MAP) {
                Map<String, String> map = flowMap(value);
                if (map == null) {
                    problems.add("<settings>: " + path + ": value '" + value + "' is not " + key.rule()
                            + " (write it as {name: value, ...})");
                } else {
                    raw.put(path, new RawValue(path, null, map, 0));
                }
            } else {
                raw.put(path, new RawValue(path, value, null, 0));
            }
        });
        return validate("<settings>", raw, problems);
    }

    /** A YAML flow mapping such as {@code {7: a/b, 8: c}} as strings, or null when it is not one. */
    private static Map<String, String> flowMap(String text) {
        try {
            Object o = new org.yaml.snakeyaml.Yaml().load(text == null || text.isBlank() ? "{}" : text);
            if (!(o instanceof Map<?, ?> m)) {
                return null;
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (e.getKey() == null || e.getValue() == null || e.getValue() instanceof Map<?, ?>
                        || e.getValue() instanceof java.util.List<?>) {
                    return null;
                }
                out.put(e.getKey().toString(), e.getValue().toString());
            }
            return out;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static SluiceConfig validate(String name, Map<String, RawValue> raw, List<String> problems) {
        Map<String, Object> values = new HashMap<>();
        Map<String, Integer> lines = new HashMap<>();
        for (ConfigKey key : ConfigSchema.KEYS) {
            RawValue value = raw.get(key.path());
            if (value == null) {
                values.put(key.path(), key.type() == KeyType.MAPPING_RULES ? YamlSource.defaultRules(key)
                        : parse(key, key.defaultValue(), Map.of()));
                continue;
            }
            lines.put(key.path(), value.line());
            if (key.type() == KeyType.MAPPING_RULES) {
                values.put(key.path(), value.rules());
                continue;
            }
            Object parsed = parse(key, value.scalar(), value.map());
            if (parsed == null) {
                problems.add(name + ":" + value.line() + ": " + key.path() + ": value '" + value.scalar()
                        + "' is not " + key.rule());
            } else {
                values.put(key.path(), parsed);
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        ConfigValues checked = new ConfigValues(name, values, lines);
        List<String> crossField = CrossFieldRules.check(checked);
        if (!crossField.isEmpty()) {
            throw new ConfigException(crossField);
        }
        return SluiceConfig.from(checked);
    }

    /** The typed value, or null when it breaks the key's rule. */
    private static Object parse(ConfigKey key, String text, Map<String, String> map) {
        return switch (key.type()) {
            case STRING -> text == null ? null : text;
            case STRING_MAP -> map == null ? null : map;
            case MAPPING_RULES -> null; // read by YamlSource, never from a scalar
            case BOOLEAN -> "true".equals(text) ? Boolean.TRUE : "false".equals(text) ? Boolean.FALSE : null;
            case CHOICE -> key.choices().contains(text) ? text : null;
            case INT, LONG -> {
                try {
                    long v = Long.parseLong(text.replace("_", ""));
                    yield v < key.min() || v > key.max() ? null : v;
                } catch (NumberFormatException | NullPointerException e) {
                    yield null;
                }
            }
        };
    }
}
