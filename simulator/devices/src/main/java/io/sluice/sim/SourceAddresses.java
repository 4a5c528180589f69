package io.sluice.sim;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses {@code --source-addresses}: a comma-separated list of IPv4 addresses and inclusive ranges, such as
 * {@code 127.0.0.1,127.0.0.2} or {@code 127.0.0.1-127.0.0.8}. Connection {@code c} binds to address
 * {@code c mod count}: each address has its own ephemeral ports (about 28,000 by default on Linux), so more
 * addresses carry more connections to one server port. Every 127.0.0.0/8 address is local on Linux.
 */
public final class SourceAddresses {
    /** A larger range is a typing error, not a plan. */
    static final int MAX = 65_536;

    private SourceAddresses() {
    }

    public static List<InetAddress> parse(String spec) {
        List<InetAddress> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int dash = p.indexOf('-');
            if (dash < 0) {
                out.add(ipv4(p));
            } else {
                long from = toLong(ipv4(p.substring(0, dash).trim()));
                long to = toLong(ipv4(p.substring(dash + 1).trim()));
                if (to < from) {
                    throw new IllegalArgumentException("source address range runs backwards: " + p);
                }
                if (out.size() + to - from + 1 > MAX) {
                    throw new IllegalArgumentException("more than " + MAX + " source addresses: " + spec);
                }
                for (long a = from; a <= to; a++) {
                    out.add(fromLong(a));
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no source address in: " + spec);
        }
        return List.copyOf(out);
    }

    private static InetAddress ipv4(String s) {
        if (!s.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            throw new IllegalArgumentException("not an IPv4 address: " + s);
        }
        long v = 0;
        for (String octet : s.split("\\.")) {
            int o = Integer.parseInt(octet);
            if (o > 255) {
                throw new IllegalArgumentException("not an IPv4 address: " + s);
            }
            v = (v << 8) | o;
        }
        return fromLong(v);
    }

    private static long toLong(InetAddress a) {
        return ByteBuffer.wrap(a.getAddress()).getInt() & 0xffffffffL;
    }

    private static InetAddress fromLong(long v) {
        try {
            return InetAddress.getByAddress(ByteBuffer.allocate(4).putInt((int) v).array());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // four bytes are always a valid address
        }
    }
}
