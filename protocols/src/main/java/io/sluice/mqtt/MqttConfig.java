package io.sluice.mqtt;

/**
 * How the MQTT listener behaves. Validated by the daemon's config loader; the constructor only rejects values no
 * caller could mean.
 *
 * @param host                    bind address
 * @param port                    TCP port, 0 for any free port
 * @param ioThreads               event-loop threads, 0 for one per core
 * @param maxConnections          connections beyond this are closed before CONNACK
 * @param maxPacketSizeBytes      largest packet accepted; advertised to MQTT 5 clients
 * @param receiveMaximum          QoS1 messages a connection may have awaiting Kafka; advertised to MQTT 5 clients
 *                                as Receive Maximum and applied to MQTT 3.1.1 clients by not reading their socket
 * @param topicAliasMaximum       MQTT 5 topic aliases per connection (0 disables them)
 * @param maxSessionExpirySeconds cap on a persistent session's expiry; MQTT 3.1.1 persistent sessions get this
 * @param connectTimeoutMs        a connection without CONNECT by then is closed
 * @param maxKeepAliveSeconds     the longest keep alive a client gets, also for keep alive 0; advertised to MQTT 5
 *                                clients as Server Keep Alive when it lowers theirs; enforced at 1.5 times
 * @param packetArrivalTimeoutMs  a packet whose first byte arrived must be whole within this time
 * @param maxPartialPacketBytes   bytes of started-but-incomplete packets all connections may hold together; beyond
 *                                it, sockets holding part of a packet stop reading until the total falls (at least
 *                                {@code maxPacketSizeBytes}, so a largest packet can always arrive)
 * @param serverReferences        other nodes as clients reach them ({@code host:port}), named to MQTT 5 clients in
 *                                turn by DISCONNECT and CONNACK 0x9C (use another server) when this node stops,
 *                                drains or is full; empty: off (DISCONNECT 0x8B, full: closed before CONNACK)
 */
public record MqttConfig(String host, int port, int ioThreads, int maxConnections, int maxPacketSizeBytes,
                         int receiveMaximum, int topicAliasMaximum, long maxSessionExpirySeconds,
                         int connectTimeoutMs, int maxKeepAliveSeconds, int packetArrivalTimeoutMs,
                         long maxPartialPacketBytes, java.util.List<String> serverReferences) {
    public MqttConfig {
        serverReferences = java.util.List.copyOf(serverReferences);
        for (String r : serverReferences) {
            if (r.isEmpty() || r.chars().anyMatch(Character::isWhitespace) || r.indexOf(',') >= 0) {
                throw new IllegalArgumentException("invalid server reference '" + r + "'");
            }
        }
        if (port < 0 || port > 65535 || maxConnections < 1 || maxPacketSizeBytes < 64 || receiveMaximum < 1
                || receiveMaximum > 65535 || topicAliasMaximum < 0 || topicAliasMaximum > 65535
                || maxSessionExpirySeconds < 0 || connectTimeoutMs < 1 || ioThreads < 0 || maxKeepAliveSeconds < 1
                || maxKeepAliveSeconds > 65_535 || packetArrivalTimeoutMs < 1
                || maxPartialPacketBytes < maxPacketSizeBytes) {
            throw new IllegalArgumentException("invalid MQTT config: " + this);
        }
    }

    /** Without server references. */
    public MqttConfig(String host, int port, int ioThreads, int maxConnections, int maxPacketSizeBytes,
                      int receiveMaximum, int topicAliasMaximum, long maxSessionExpirySeconds, int connectTimeoutMs,
                      int maxKeepAliveSeconds, int packetArrivalTimeoutMs, long maxPartialPacketBytes) {
        this(host, port, ioThreads, maxConnections, maxPacketSizeBytes, receiveMaximum, topicAliasMaximum,
                maxSessionExpirySeconds, connectTimeoutMs, maxKeepAliveSeconds, packetArrivalTimeoutMs,
                maxPartialPacketBytes, java.util.List.of());
    }

    /** The same with {@code references} as the server references. */
    public MqttConfig withServerReferences(java.util.List<String> references) {
        return new MqttConfig(host, port, ioThreads, maxConnections, maxPacketSizeBytes, receiveMaximum,
                topicAliasMaximum, maxSessionExpirySeconds, connectTimeoutMs, maxKeepAliveSeconds,
                packetArrivalTimeoutMs, maxPartialPacketBytes, references);
    }

    /** Defaults for tests: loopback, any free port. */
    public static MqttConfig loopback() {
        return new MqttConfig("127.0.0.1", 0, 1, 10_000, 262_144, 64, 16, 604_800, 10_000, 1200, 30_000,
                32L << 20);
    }
}
