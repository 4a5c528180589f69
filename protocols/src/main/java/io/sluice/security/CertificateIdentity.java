package io.sluice.security;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.Optional;

/**
 * The seam between the TLS listener and authentication: once a client's certificate is verified, the TLS side
 * stores the identity it takes from it (subject CN or a SAN entry, as configured) on the channel; the CONNECT
 * handling reads it. A channel without one (plain TCP, or TLS without a client certificate) has none.
 */
public final class CertificateIdentity {
    private static final AttributeKey<String> KEY = AttributeKey.valueOf("sluice.certificate-identity");

    private CertificateIdentity() {
    }

    /** Records the verified certificate's identity; call before the first MQTT packet is decoded. */
    public static void set(Channel channel, String identity) {
        channel.attr(KEY).set(identity);
    }

    /** The verified certificate's identity, if this connection presented one. */
    public static Optional<String> of(Channel channel) {
        return Optional.ofNullable(channel.attr(KEY).get());
    }
}
