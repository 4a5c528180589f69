package io.sluice.udp;

import java.util.List;

/**
 * Configuration of the plain line-protocol datagram source.
 *
 * @param bindHost            address to bind, e.g. "0.0.0.0"
 * @param port                UDP port (default 8089); 0 picks a free one
 * @param sockets             sockets bound with SO_REUSEPORT when epoll is available (else 1)
 * @param receiveBufferBytes  SO_RCVBUF of each socket
 * @param maxDatagramBytes    larger datagrams are dropped as "too_large"
 * @param allowedSources      CIDR list ("10.0.0.0/8", "::1/128"); empty allows every source
 * @param ratePerSecond       per-source datagrams per second; 0 disables the limit
 * @param burst               per-source token-bucket depth in datagrams
 */
public record LineDatagramConfig(
        String bindHost,
        int port,
        int sockets,
        int receiveBufferBytes,
        int maxDatagramBytes,
        List<String> allowedSources,
        double ratePerSecond,
        int burst) {

    public LineDatagramConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535: " + port);
        }
        if (sockets < 1) {
            throw new IllegalArgumentException("sockets must be >= 1: " + sockets);
        }
        if (maxDatagramBytes < 1 || maxDatagramBytes > 65507) {
            throw new IllegalArgumentException("max_datagram_bytes must be 1..65507: " + maxDatagramBytes);
        }
        if (ratePerSecond < 0 || burst < 0) {
            throw new IllegalArgumentException("rate_per_second and burst must be >= 0");
        }
        allowedSources = allowedSources == null ? List.of() : List.copyOf(allowedSources);
        allowedSources.forEach(io.sluice.udp.internal.Cidr::parse);
    }

    /** True when {@code text} is a CIDR network such as {@code 10.0.0.0/8} or {@code fd00::/8}. */
    public static boolean isCidr(String text) {
        try {
            io.sluice.udp.internal.Cidr.parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public static LineDatagramConfig defaults() {
        return new LineDatagramConfig("0.0.0.0", 8089, 2, 4 << 20, 65507, List.of(), 0, 0);
    }
}
