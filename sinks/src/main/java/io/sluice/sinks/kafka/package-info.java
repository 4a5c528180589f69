/**
 * Everything that touches kafka-clients, and nothing else does (enforced by an ArchUnit test): the readings log
 * writer {@link io.sluice.sinks.kafka.KafkaLog}, the session store {@link io.sluice.sinks.kafka.KafkaSessionLog}
 * and the topic administration {@link io.sluice.sinks.kafka.KafkaTopics}.
 */
package io.sluice.sinks.kafka;
