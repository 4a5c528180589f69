package io.sluice.sinks;

/**
 * Told of every successful TSDB write, on the fan-out's thread: keep it cheap (record into a histogram).
 */
@FunctionalInterface
public interface FanoutListener {
    FanoutListener NONE = (points, nanos) -> { };

    /** A batch of {@code points} was written in {@code nanos} (one or more HTTP requests, splits included). */
    void written(int points, long nanos);
}
