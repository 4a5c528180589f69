package io.sluice.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Which TLS implementation a listener gets for {@code mqtt_tls.provider}. Stateless; any thread. */
final class TlsProviders {
    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);

    private TlsProviders() {
    }

    /**
     * The provider {@code wanted} asks for: BoringSSL when netty-tcnative loads (auto, openssl), else the JDK's TLS
     * (auto, jdk); the choice and its reason go to the log.
     *
     * @throws IllegalArgumentException when openssl is asked for and netty-tcnative cannot load
     */
    static SslProvider choose(TlsConfig.Provider wanted) {
        if (wanted == TlsConfig.Provider.JDK) {
            LOG.info("TLS provider: JDK (mqtt_tls.provider: jdk); handshakes cost more CPU than on BoringSSL");
            return SslProvider.JDK;
        }
        if (OpenSsl.isAvailable()) {
            LOG.info("TLS provider: OpenSSL ({}, via netty-tcnative)", OpenSsl.versionString());
            // reference-counted: each SslHandler releases its engine when its connection closes, and a replaced
            // context is freed once its last connection is gone (no finalizers, no waiting for GC)
            return SslProvider.OPENSSL_REFCNT;
        }
        Throwable why = OpenSsl.unavailabilityCause();
        String reason = why == null ? "unknown reason" : why.toString();
        if (wanted == TlsConfig.Provider.OPENSSL) {
            throw unavailable(reason);
        }
        LOG.warn("TLS provider: JDK (netty-tcnative could not load: {}); handshakes cost more CPU", reason);
        return SslProvider.JDK;
    }

    /** For config check: the provider {@link #choose} would pick (or its exception), without logging. */
    static SslProvider check(TlsConfig.Provider wanted) {
        if (wanted == TlsConfig.Provider.JDK) {
            return SslProvider.JDK;
        }
        if (OpenSsl.isAvailable()) {
            return SslProvider.OPENSSL_REFCNT;
        }
        if (wanted == TlsConfig.Provider.OPENSSL) {
            Throwable why = OpenSsl.unavailabilityCause();
            throw unavailable(why == null ? "unknown reason" : why.toString());
        }
        return SslProvider.JDK;
    }

    private static IllegalArgumentException unavailable(String reason) {
        return new IllegalArgumentException("mqtt_tls.provider is openssl but netty-tcnative could not load: "
                + reason + " (set auto or jdk to use the JDK's TLS)");
    }
}
