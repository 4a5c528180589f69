/** Machinery behind the sinks that needs no Kafka: the sender hand-off and the rate-limited failure log. */
package io.sluice.sinks.internal;
