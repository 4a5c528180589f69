package io.sluice.tls;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The TLS listener's settings. Validated by the daemon's config loader (files exist and belong together); the
 * constructor only rejects values no caller could mean.
 *
 * @param host                  bind address
 * @param port                  TCP port, 0 for any free port
 * @param certFile              PEM certificate chain, the server's own certificate first
 * @param keyFile               PEM PKCS#8 private key of that certificate (encrypted when {@code keyPasswordFile} is set)
 * @param keyPasswordFile       file whose first line is the key's password; null when the key is not encrypted
 * @param caFile                PEM bundle of the CAs client certificates must chain to; null without client certificates
 * @param crlFile               PEM (or DER) CRLs of those CAs; null for no revocation check
 * @param clientAuth            whether clients must, may or need not present a certificate
 * @param identityFrom          where a client certificate's identity comes from
 * @param protocols             TLS versions offered, e.g. TLSv1.3 and TLSv1.2
 * @param ciphers               TLS 1.2 cipher suites (and TLS 1.3 ones) offered; empty for the safe default list
 * @param handshakeTimeoutMs    a handshake not finished by then closes the connection
 * @param sessionCacheSize      TLS sessions kept for resumption (0: the provider's default)
 * @param sessionTimeoutSeconds how long a cached session may be resumed (0: the provider's default)
 * @param provider              which TLS implementation runs the handshakes
 */
public record TlsConfig(String host, int port, Path certFile, Path keyFile, Path keyPasswordFile, Path caFile,
                        Path crlFile, ClientAuthMode clientAuth, IdentitySource identityFrom, List<String> protocols,
                        List<String> ciphers, int handshakeTimeoutMs, int sessionCacheSize,
                        int sessionTimeoutSeconds, Provider provider) {

    /** Which TLS implementation runs the handshakes. */
    public enum Provider {
        /** BoringSSL when netty-tcnative loads, else the JDK's TLS (said at start-up, with the reason). */
        AUTO,
        /** BoringSSL only: the listener does not start without it. */
        OPENSSL,
        /** The JDK's TLS, even where BoringSSL would load. */
        JDK
    }

    /** As the canonical constructor, with {@link Provider#AUTO}. */
    public TlsConfig(String host, int port, Path certFile, Path keyFile, Path keyPasswordFile, Path caFile,
                     Path crlFile, ClientAuthMode clientAuth, IdentitySource identityFrom, List<String> protocols,
                     List<String> ciphers, int handshakeTimeoutMs, int sessionCacheSize, int sessionTimeoutSeconds) {
        this(host, port, certFile, keyFile, keyPasswordFile, caFile, crlFile, clientAuth, identityFrom, protocols,
                ciphers, handshakeTimeoutMs, sessionCacheSize, sessionTimeoutSeconds, Provider.AUTO);
    }

    /** Whether a client certificate is asked for. */
    public enum ClientAuthMode { NONE, OPTIONAL, REQUIRED }

    /** Which part of a verified client certificate names the client. */
    public enum IdentitySource {
        /** The subject's common name. */
        CN,
        /** The first DNS name among the subject alternative names. */
        SAN_DNS,
        /** The first URI among the subject alternative names (e.g. a SPIFFE id). */
        SAN_URI,
        /** The first e-mail address (rfc822Name) among the subject alternative names. */
        SAN_EMAIL
    }

    /** Cipher suites offered when {@code ciphers} is empty: forward-secret AEAD suites only. */
    public static final List<String> DEFAULT_CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    public TlsConfig {
        Objects.requireNonNull(certFile, "certFile");
        Objects.requireNonNull(keyFile, "keyFile");
        Objects.requireNonNull(clientAuth, "clientAuth");
        Objects.requireNonNull(identityFrom, "identityFrom");
        Objects.requireNonNull(provider, "provider");
        protocols = List.copyOf(protocols);
        ciphers = List.copyOf(ciphers);
        if (port < 0 || port > 65535 || handshakeTimeoutMs < 1 || sessionCacheSize < 0 || sessionTimeoutSeconds < 0
                || protocols.isEmpty()) {
            throw new IllegalArgumentException("invalid TLS config: " + this);
        }
        if (clientAuth != ClientAuthMode.NONE && caFile == null) {
            throw new IllegalArgumentException("client certificates need a CA bundle (caFile)");
        }
    }

    /** The cipher suites to offer. */
    public List<String> effectiveCiphers() {
        return ciphers.isEmpty() ? DEFAULT_CIPHERS : ciphers;
    }

    /** Every file the context is built from. */
    public List<Path> files() {
        java.util.ArrayList<Path> files = new java.util.ArrayList<>(List.of(certFile, keyFile));
        for (Path p : new Path[] {keyPasswordFile, caFile, crlFile}) {
            if (p != null) {
                files.add(p);
            }
        }
        return List.copyOf(files);
    }
}
