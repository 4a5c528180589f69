package io.sluice.sinks;

/** A topic could not be created, described or checked; the message names the topic and the cause. */
public class TopicException extends RuntimeException {
    private final String topic;

    public TopicException(String topic, String message, Throwable cause) {
        super("topic '" + topic + "': " + message, cause);
        this.topic = topic;
    }

    public String topic() {
        return topic;
    }
}
