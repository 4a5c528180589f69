package io.sluice.udp.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An address range "a.b.c.d/n" or "v6/n"; immutable. */
public record Cidr(byte[] network, int prefix) {

    public static Cidr parse(String s) {
        int slash = s.indexOf('/');
        try {
            byte[] addr = InetAddress.getByName(slash < 0 ? s : s.substring(0, slash)).getAddress();
            int prefix = slash < 0 ? addr.length * 8 : Integer.parseInt(s.substring(slash + 1));
            if (prefix < 0 || prefix > addr.length * 8) {
                throw new IllegalArgumentException("bad CIDR prefix: " + s);
            }
            return new Cidr(addr, prefix);
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException("bad CIDR: " + s, e);
        }
    }

    public boolean contains(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length != network.length) {
            return false;
        }
        int bits = prefix;
        for (int i = 0; i < b.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((b[i] & mask) != (network[i] & mask)) {
                return false;
            }
        }
        return true;
    }
}
