package io.sluice.daemon.config;

/** The value types a config key can hold. */
public enum KeyType {
    STRING, INT, LONG, BOOLEAN,
    /** A mapping of free-form string keys to string values (e.g. extra Kafka client properties). */
    STRING_MAP,
    /** One of a fixed set of lower-case words. */
    CHOICE,
    /** A list of fan-out mapping rules, each a mapping of fixed keys ({@link RuleSpec}). */
    MAPPING_RULES
}
