package io.sluice.daemon.config;

import java.io.Reader;
import java.util.ArrayList;
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
