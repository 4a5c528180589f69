/**
 * Delivery to subscribers, seen from the MQTT side: the messages ({@link io.sluice.delivery.Message}), the durable
 * log they pass through before any subscriber sees them ({@link io.sluice.delivery.DeliveryLog}, implemented in
 * {@code sinks}) and what that log hands back ({@link io.sluice.delivery.DeliveryListener}). No Netty, no Kafka.
 */
package io.sluice.delivery;
