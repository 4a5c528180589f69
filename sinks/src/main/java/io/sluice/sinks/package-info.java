/**
 * The public surface of Sluice's sinks: config records, the record written to the log, and result types.
 * Nothing here depends on Kafka's classes, so callers (the daemon) never see them.
 *
 * <p>Outcomes are values, never exceptions: an append ends {@link io.sluice.sinks.AppendResult.Status#APPENDED}
 * (durable with acks=all; the only outcome that may be acknowledged to a device),
 * {@link io.sluice.sinks.AppendResult.Status#RETRYABLE} or {@link io.sluice.sinks.AppendResult.Status#REJECTED}.
 *
 * <p>Time bounds of an append while Kafka is unreachable: a record not yet handed to the producer completes
 * RETRYABLE after about {@code maxBlockMs} (the producer forgets its metadata during an outage, so sends wait
 * for it); one already handed over completes RETRYABLE after {@code deliveryTimeoutMs}. Both are therefore
 * the length of outage Sluice rides through without telling devices to retry.
 */
package io.sluice.sinks;
