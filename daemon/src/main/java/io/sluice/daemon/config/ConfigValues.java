package io.sluice.daemon.config;

import java.util.List;
import java.util.Map;

/**
 * Type-checked values of every key (defaults filled in), with the line each came from for cross-field errors.
 * Only the loader creates these, so every value is already known to satisfy its key's rule.
 */
final class ConfigValues {
    // (values of MAPPING_RULES keys are List<RuleSpec>)
    private final String fileName;
    private final Map<String, Object> values;
    private final Map<String, Integer> lines;

    ConfigValues(String fileName, Map<String, Object> values, Map<String, Integer> lines) {
        this.fileName = fileName;
        this.values = values;
        this.lines = lines;
    }

    String string(String path) {
        return (String) values.get(path);
    }

    int integer(String path) {
        return ((Long) values.get(path)).intValue();
    }

    long longValue(String path) {
        return (Long) values.get(path);
    }

    boolean bool(String path) {
        return (Boolean) values.get(path);
    }

    @SuppressWarnings("unchecked")
    Map<String, String> map(String path) {
        return (Map<String, String>) values.get(path);
    }

    @SuppressWarnings("unchecked")
    List<RuleSpec> rules(String path) {
        return (List<RuleSpec>) values.get(path);
    }

    String fileName() {
        return fileName;
    }

    /** True when the file sets {@code path} (false when it takes the default). */
    boolean written(String path) {
        Integer line = lines.get(path);
        return line != null && line != 0;
    }

    /** "file:line" of the key's value, or "file (default)" when it was not written. */
    String where(String path) {
        Integer line = lines.get(path);
        return line == null || line == 0 ? fileName + " (default)" : fileName + ":" + line;
    }
}
