package io.sluice.daemon.config;

import java.io.Reader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads YAML into flat {@link RawValue}s keyed by dotted path, keeping the line of every value. Structural
 * problems (not a mapping, unknown keys, duplicates, a list where a value belongs) are collected, not thrown
 * one at a time, so one run of {@code sluice config check} reports them all.
 */
final class YamlSource {
    private final String fileName;
    private final List<String> problems = new ArrayList<>();
    private final Map<String, RawValue> values = new LinkedHashMap<>();

    private YamlSource(String fileName) {
        this.fileName = fileName;
    }

    record Result(Map<String, RawValue> values, List<String> problems) {
    }

    static Result read(String fileName, Reader reader) {
        YamlSource source = new YamlSource(fileName);
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(true); // we report duplicates ourselves, with both lines
        options.setMaxAliasesForCollections(10);
        try {
            Node root = new Yaml(options).compose(reader);
            if (root == null) {
                return new Result(Map.of(), List.of()); // an empty file means all defaults
            }
            if (!(root instanceof MappingNode mapping)) {
                source.problem(root, "the file must be a mapping of sections and keys");
            } else {
                source.walk("", mapping);
            }
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            source.problems.add(fileName + ":" + line + ": not valid YAML: " + e.getProblem());
        } catch (RuntimeException e) {
            source.problems.add(fileName + ": not valid YAML: " + e.getMessage());
        }
        return new Result(source.values, source.problems);
    }

    private void walk(String prefix, MappingNode mapping) {
        Set<String> seen = new HashSet<>();
        for (NodeTuple tuple : mapping.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
                problem(tuple.getKeyNode(), "keys must be plain words");
                continue;
            }
            String path = prefix.isEmpty() ? keyNode.getValue() : prefix + "." + keyNode.getValue();
            if (!seen.add(path)) {
                problem(keyNode, "key '" + path + "' appears twice in the same section");
                continue;
            }
            Node valueNode = tuple.getValueNode();
            ConfigKey key = ConfigSchema.key(path);
            if (key == null) {
                if (ConfigSchema.isSection(path) && valueNode instanceof MappingNode section) {
                    walk(path, section);
                } else if (ConfigSchema.isSection(path)) {
                    problem(valueNode, "'" + path + "' is a section and must hold keys, not a value");
                } else {
                    problem(keyNode, "unknown key '" + path + "'" + suggestion(path));
                }
                continue;
            }
            if (key.type() == KeyType.STRING_MAP) {
                readMap(path, valueNode);
            } else if (key.type() == KeyType.MAPPING_RULES) {
                List<RuleSpec> rules = readRules(path, valueNode);
                if (rules != null) {
                    values.put(path, new RawValue(path, null, null, rules, line(valueNode)));
                }
            } else if (valueNode instanceof ScalarNode scalar) {
                values.put(path, new RawValue(path, scalar.getValue(), null, line(scalar)));
            } else {
                problem(valueNode, path + ": expected " + key.rule() + ", found a "
                        + (valueNode instanceof MappingNode ? "mapping" : "list"));
            }
        }
    }

    private void readMap(String path, Node node) {
        if (node instanceof ScalarNode scalar && (scalar.getValue().isEmpty() || scalar.getValue().equals("{}"))) {
            values.put(path, new RawValue(path, null, Map.of(), line(node)));
            return;
        }
        if (!(node instanceof MappingNode mapping)) {
            problem(node, path + ": expected a mapping of names to string values");
            return;
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (NodeTuple t : mapping.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && t.getValueNode() instanceof ScalarNode v) {
                if (map.put(k.getValue(), v.getValue()) != null) {
                    problem(k, path + ": '" + k.getValue() + "' appears twice");
                }
            } else {
                problem(t.getKeyNode(), path + ": entries must be name: value pairs of plain strings");
            }
        }
        values.put(path, new RawValue(path, null, Map.copyOf(map), line(node)));
    }

    /** The default of a rules key, parsed from its YAML text (a schema error if it does not parse). */
    static List<RuleSpec> defaultRules(ConfigKey key) {
        List<String> problems = new ArrayList<>();
        List<RuleSpec> rules = rulesFromText("<default>", key.path(), key.defaultValue(), problems);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("bad default for " + key.path() + ": " + problems);
        }
        return rules;
    }

    /** Rules written as YAML text (a flow list, e.g. from a settings map); problems are added to the list. */
    static List<RuleSpec> rulesFromText(String fileName, String path, String yaml, List<String> problems) {
        YamlSource source = new YamlSource(fileName);
        List<RuleSpec> rules = null;
        try {
            Node node = new Yaml(new LoaderOptions()).compose(new java.io.StringReader(yaml));
            rules = node == null ? List.of() : source.readRules(path, node);
        } catch (MarkedYAMLException e) {
            source.problems.add(fileName + ": " + path + ": not valid YAML: " + e.getProblem());
        }
        problems.addAll(source.problems);
        return rules;
    }

    /** A list of mappings with the keys of {@link RuleSpec}; null (and problems) when it is not. */
    private List<RuleSpec> readRules(String path, Node node) {
        if (!(node instanceof SequenceNode list)) {
            problem(node, path + ": expected " + ConfigSchema.key(path).rule() + ", written as a YAML list"
                    + " (lines starting with '- ')");
            return null;
        }
        int before = problems.size();
        List<RuleSpec> rules = new ArrayList<>();
        int index = 0;
        for (Node item : list.getValue()) {
            String name = path + "[" + index + "]";
            if (!(item instanceof MappingNode mapping)) {
                problem(item, name + ": each rule must be a mapping of " + String.join(", ", RuleSpec.KEYS));
                index++;
                continue;
            }
            Map<String, String> scalars = new HashMap<>();
            Map<String, String> tags = Map.of();
            for (NodeTuple t : mapping.getValue()) {
                String k = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
                if (k == null || !RuleSpec.KEYS.contains(k)) {
                    problem(t.getKeyNode(), name + ": unknown key '" + k + "'; a rule holds "
                            + String.join(", ", RuleSpec.KEYS));
                } else if (scalars.containsKey(k) || (k.equals("tags") && !tags.isEmpty())) {
                    problem(t.getKeyNode(), name + ": key '" + k + "' appears twice");
                } else if (k.equals("tags")) {
                    tags = readTags(name + ".tags", t.getValueNode());
                } else if (t.getValueNode() instanceof ScalarNode v) {
                    scalars.put(k, v.getValue());
                } else {
                    problem(t.getValueNode(), name + "." + k + ": expected a plain value");
                }
            }
            String format = scalars.getOrDefault("format", "json");
            if (!RuleSpec.FORMATS.contains(format)) {
                problem(mapping, name + ".format: value '" + format + "' is not one of "
                        + String.join(", ", RuleSpec.FORMATS));
            }
            String precision = scalars.getOrDefault("precision", "ns");
            if (!RuleSpec.PRECISIONS.contains(precision)) {
                problem(mapping, name + ".precision: value '" + precision + "' is not one of "
                        + String.join(", ", RuleSpec.PRECISIONS));
            }
            if (scalars.get("topic") == null || scalars.get("topic").isEmpty()) {
                problem(mapping, name + ": 'topic' (an MQTT topic filter such as sensors/{device}/{measurement})"
                        + " is required");
            }
            rules.add(new RuleSpec(index, scalars.get("topic"), scalars.get("measurement"), format,
                    scalars.get("field"), scalars.get("timestamp_field"), precision, scalars.get("separator"), tags,
                    line(mapping)));
            index++;
        }
        return problems.size() == before ? List.copyOf(rules) : null;
    }

    private Map<String, String> readTags(String name, Node node) {
        if (!(node instanceof MappingNode mapping)) {
            problem(node, name + ": expected a mapping of tag names to values");
            return Map.of();
        }
        Map<String, String> tags = new LinkedHashMap<>();
        for (NodeTuple t : mapping.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && t.getValueNode() instanceof ScalarNode v) {
                tags.put(k.getValue(), v.getValue());
            } else {
                problem(t.getKeyNode(), name + ": entries must be name: value pairs of plain strings");
            }
        }
        return tags;
    }

    private static String suggestion(String path) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (ConfigKey k : ConfigSchema.KEYS) {
            int d = Levenshtein.distance(path, k.path());
            if (d < bestDistance) {
                bestDistance = d;
                best = k.path();
            }
        }
        return best != null && bestDistance <= 3 ? " (did you mean '" + best + "'?)" : "";
    }

    private static int line(Node node) {
        return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
    }

    private void problem(Node node, String message) {
        problems.add(fileName + ":" + line(node) + ": " + message);
    }
}
