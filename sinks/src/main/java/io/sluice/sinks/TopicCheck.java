package io.sluice.sinks;

import java.util.List;

/**
 * The result of ensuring a topic: whether Sluice created it and, if it already existed, every way in which it
 * differs from what was asked. Sluice never alters an existing topic; the caller decides whether a difference
 * is fatal (a readings topic with replication factor 1 where 3 was asked should be).
 *
 * @param topic       the topic name
 * @param created     true when this call created the topic
 * @param differences empty when the topic matches what was asked
 */
public record TopicCheck(String topic, boolean created, List<Difference> differences) {

    /**
     * One property of an existing topic that is not what was asked.
     *
     * @param property {@code partitions}, {@code replication.factor} or a topic config name
     * @param expected what was asked
     * @param actual   what the topic has
     */
    public record Difference(String property, String expected, String actual) {
        @Override
        public String toString() {
            return property + " is " + actual + ", expected " + expected;
        }
    }

    public TopicCheck {
        differences = List.copyOf(differences);
    }

    public boolean matches() {
        return differences.isEmpty();
    }

    /** One line for logs and errors, e.g. {@code topic 'x' differs: replication.factor is 1, expected 3}. */
    public String describe() {
        if (matches()) {
            return "topic '" + topic + "' " + (created ? "created" : "exists as expected");
        }
        var sb = new StringBuilder("topic '").append(topic).append("' differs: ");
        for (int i = 0; i < differences.size(); i++) {
            sb.append(i == 0 ? "" : "; ").append(differences.get(i));
        }
        return sb.toString();
    }
}
