/**
 * The log's Kafka side: the readings log writer {@link io.sluice.sinks.kafka.KafkaLog}, the session store
 * {@link io.sluice.sinks.kafka.KafkaSessionLog} and the topic administration {@link io.sluice.sinks.kafka.KafkaTopics}.
 * The fan-out's consumer lives with the rest of the fan-out in {@code io.sluice.sinks.fanout}.
 */
package io.sluice.sinks.kafka;
