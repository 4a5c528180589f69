package io.sluice.sinks;

/** How a reading's payload is turned into fields. */
public enum PayloadFormat {
    /** A JSON object: numbers (as floats), booleans and strings become fields; nested objects are flattened. */
    JSON,
    /** InfluxDB line protocol, passed through with the rule's tags added. */
    LINE_PROTOCOL,
    /** A bare number (text), written as one float field. */
    NUMBER
}
