package io.sluice.daemon.config;

import java.util.ArrayList;
import java.util.List;

/** Renders the schema as a commented sample YAML file and as a Markdown reference table. */
public final class ConfigDocs {
    private ConfigDocs() {
    }

    /** A complete config with every key at its default, each preceded by its documentation. */
    public static String sampleYaml() {
        StringBuilder out = new StringBuilder();
        out.append("# Sluice configuration. Every key is shown with its default; unknown keys are an error.\n");
        out.append("# Check a file with: sluice config check FILE\n");
        String section = "";
        for (ConfigKey key : ConfigSchema.KEYS) {
            int dot = key.path().indexOf('.');
            String keySection = dot < 0 ? "" : key.path().substring(0, dot);
            String leaf = dot < 0 ? key.path() : key.path().substring(dot + 1);
            if (!keySection.equals(section)) {
                out.append('\n').append(keySection).append(":\n");
                section = keySection;
            }
            String indent = keySection.isEmpty() ? "" : "  ";
            for (String line : wrap(key.doc() + " (" + key.rule() + ")", 100)) {
                out.append(indent).append("# ").append(line).append('\n');
            }
            out.append(indent).append(leaf).append(": ").append(yamlValue(key)).append('\n');
        }
        return out.toString();
    }

    /** Markdown table of every key: name, default, rule, meaning. */
    public static String markdownReference() {
        StringBuilder out = new StringBuilder("| key | default | allowed | meaning |\n|---|---|---|---|\n");
        for (ConfigKey key : ConfigSchema.KEYS) {
            out.append("| `").append(key.path()).append("` | `").append(key.defaultValue().isEmpty() ? "\"\"" : key.defaultValue())
                    .append("` | ").append(key.rule()).append(" | ").append(key.doc()).append(" |\n");
        }
        return out.toString();
    }

    private static String yamlValue(ConfigKey key) {
        return switch (key.type()) {
            case STRING -> "\"" + key.defaultValue() + "\"";
            case STRING_MAP -> "{}";
            case MAPPING_RULES -> key.defaultValue();
            default -> key.defaultValue();
        };
    }

    private static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() + word.length() + 1 > width && !line.isEmpty()) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (!line.isEmpty()) {
                line.append(' ');
            }
            line.append(word);
        }
        if (!line.isEmpty()) {
            lines.add(line.toString());
        }
        return lines;
    }
}
