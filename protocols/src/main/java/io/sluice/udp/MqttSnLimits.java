package io.sluice.udp;

/**
 * What MQTT-SN senders can make the gateway hold, each bounded. A refusal is a named event in {@link MqttSnStats}
 * and the MQTT-SN answer to that client (see docs/UDP.md).
 *
 * @param maxClients               clients whose state is held at once (connected or asleep); a CONNECT for a new
 *                                 client id beyond it gets CONNACK "rejected: congestion" ({@code too_many_clients})
 * @param maxTopicsPerClient       registered topic names per client; more get REGACK "not supported"
 *                                 ({@code too_many_topics})
 * @param maxTopicBytesPerClient   bytes of the registered topics of one client, each topic charged its name's UTF-8
 *                                 bytes plus 48 (its heap overhead); more get REGACK "not supported"
 *                                 ({@code topic_bytes_per_client})
 * @param maxTopicBytes            bytes of registered topics of all clients together, charged alike; more get REGACK
 *                                 "rejected: congestion" ({@code topic_bytes_total}), as space frees when clients
 *                                 leave
 * @param maxInflightPerClient     QoS 1 PUBLISHes of one client waiting for Kafka; more get PUBACK "rejected:
 *                                 congestion" ({@code inflight_full}) and are not written
 */
public record MqttSnLimits(int maxClients, int maxTopicsPerClient, int maxTopicBytesPerClient, long maxTopicBytes,
                           int maxInflightPerClient) {
    /** The shipped defaults (as in docs/CONFIG.md). */
    public static final MqttSnLimits DEFAULTS = new MqttSnLimits(1_000_000, 256, 32_768, 64L << 20, 32);

    public MqttSnLimits {
        if (maxClients < 1) {
            throw new IllegalArgumentException("max_clients must be >= 1: " + maxClients);
        }
        if (maxTopicsPerClient < 0 || maxTopicsPerClient > 0xfffe) {
            throw new IllegalArgumentException("max_topics_per_client must be 0..65534: " + maxTopicsPerClient);
        }
        if (maxTopicBytesPerClient < 1) {
            throw new IllegalArgumentException("max_topic_bytes_per_client must be >= 1: " + maxTopicBytesPerClient);
        }
        if (maxTopicBytes < 1) {
            throw new IllegalArgumentException("max_topic_bytes must be >= 1: " + maxTopicBytes);
        }
        if (maxInflightPerClient < 1 || maxInflightPerClient > 65_535) {
            throw new IllegalArgumentException("max_inflight_messages must be 1..65535: " + maxInflightPerClient);
        }
    }
}
