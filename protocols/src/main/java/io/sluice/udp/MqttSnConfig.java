package io.sluice.udp;

import java.util.List;
import java.util.Map;

/**
 * Configuration of the MQTT-SN 1.2 gateway.
 *
 * @param bindHost           address to bind
 * @param port               UDP port (default 1884); 0 picks a free one
 * @param sockets            sockets bound with SO_REUSEPORT when epoll is available (else 1); a client's datagrams
 *                           always reach the same socket (the kernel hashes the address pair)
 * @param receiveBufferBytes SO_RCVBUF of each socket
 * @param predefinedTopics   predefined topic id -> topic name (usable without CONNECT for QoS -1)
 * @param clientIdleMs       state of a client silent this long (beyond a sleep it announced) is forgotten
 * @param maxDatagramBytes   larger datagrams are dropped as "too_large"
 * @param allowedSources     CIDR list ("10.0.0.0/8", "::1/128"); empty allows every source
 * @param ratePerSecond      per-source datagrams per second; 0 disables the limit
 * @param burst              per-source token-bucket depth in datagrams
 * @param limits             bounds on the state senders can make the gateway hold
 */
public record MqttSnConfig(String bindHost, int port, int sockets, int receiveBufferBytes,
                           Map<Integer, String> predefinedTopics, long clientIdleMs, int maxDatagramBytes,
                           List<String> allowedSources, double ratePerSecond, int burst, MqttSnLimits limits) {
    public MqttSnConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535: " + port);
        }
        if (sockets < 1) {
            throw new IllegalArgumentException("sockets must be >= 1: " + sockets);
        }
        if (clientIdleMs <= 0) {
            throw new IllegalArgumentException("client_idle_ms must be > 0: " + clientIdleMs);
        }
        if (maxDatagramBytes < 8 || maxDatagramBytes > 65507) {
            throw new IllegalArgumentException("max_datagram_bytes must be 8..65507: " + maxDatagramBytes);
        }
        if (ratePerSecond < 0 || burst < 0) {
            throw new IllegalArgumentException("rate_per_second and burst must be >= 0");
        }
        predefinedTopics = predefinedTopics == null ? Map.of() : Map.copyOf(predefinedTopics);
        predefinedTopics.keySet().forEach(id -> {
            if (id < 1 || id > 0xfffe) {
                throw new IllegalArgumentException("predefined topic id must be 1..65534: " + id);
            }
        });
        allowedSources = allowedSources == null ? List.of() : List.copyOf(allowedSources);
        allowedSources.forEach(io.sluice.udp.internal.Cidr::parse);
        if (limits == null) {
            throw new IllegalArgumentException("limits must be given");
        }
    }

    /** One socket, 4 MiB receive buffer, any source, no rate limit, the default limits. */
    public static MqttSnConfig of(String bindHost, int port, Map<Integer, String> predefinedTopics, long clientIdleMs,
                                  int maxDatagramBytes) {
        return new MqttSnConfig(bindHost, port, 1, 4 << 20, predefinedTopics, clientIdleMs, maxDatagramBytes,
                List.of(), 0, 0, MqttSnLimits.DEFAULTS);
    }

    /** This configuration with other limits. */
    public MqttSnConfig withLimits(MqttSnLimits other) {
        return new MqttSnConfig(bindHost, port, sockets, receiveBufferBytes, predefinedTopics, clientIdleMs,
                maxDatagramBytes, allowedSources, ratePerSecond, burst, other);
    }
}
