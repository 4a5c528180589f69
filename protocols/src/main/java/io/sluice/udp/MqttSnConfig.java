package io.sluice.udp;

import java.util.Map;

/**
 * Configuration of the MQTT-SN 1.2 gateway.
 *
 * @param bindHost          address to bind
 * @param port              UDP port (default 1884); 0 picks a free one
 * @param predefinedTopics  predefined topic id -> topic name (usable without CONNECT for QoS -1)
 * @param clientIdleMs      state of a client silent this long is forgotten
 * @param maxDatagramBytes  larger datagrams are dropped as "too_large"
 */
public record MqttSnConfig(String bindHost, int port, Map<Integer, String> predefinedTopics, long clientIdleMs,
                           int maxDatagramBytes) {
    public MqttSnConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535: " + port);
        }
        if (clientIdleMs <= 0) {
            throw new IllegalArgumentException("client_idle_ms must be > 0: " + clientIdleMs);
        }
        predefinedTopics = predefinedTopics == null ? Map.of() : Map.copyOf(predefinedTopics);
        predefinedTopics.keySet().forEach(id -> {
            if (id < 1 || id > 0xfffe) {
                throw new IllegalArgumentException("predefined topic id must be 1..65534: " + id);
            }
        });
    }
}
