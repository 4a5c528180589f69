package io.sluice.sinks.delivery;

/**
 * The delivery log cannot start: a topic is missing or not as every node must see it, or the retained topic could
 * not be read to its end in time. The message names the topic and the config key to look at.
 */
public class DeliveryLogException extends RuntimeException {
    public DeliveryLogException(String message, Throwable cause) {
        super(message, cause);
    }
}
