package io.sluice.daemon.config;

import java.util.Map;

/**
 * A value as written in the config source, before type checks.
 *
 * @param path   dotted key path
 * @param scalar the scalar text, or null for a mapping value
 * @param map    the mapping value for {@link KeyType#STRING_MAP} keys, or null
 * @param rules  the list for {@link KeyType#MAPPING_RULES} keys, or null
 * @param line   1-based line in the source, or 0 when the value did not come from a file
 */
record RawValue(String path, String scalar, Map<String, String> map, java.util.List<RuleSpec> rules, int line) {

    RawValue(String path, String scalar, Map<String, String> map, int line) {
        this(path, scalar, map, null, line);
    }
}
