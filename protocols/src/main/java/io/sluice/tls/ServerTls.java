package io.sluice.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.sluice.security.Reloadable;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.X509CRL;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS listener's server context: certificate chain, key, CA bundle and CRL, built into a Netty
 * {@link SslContext} on BoringSSL (netty-tcnative) or, where that cannot load, the JDK provider. {@link #reload()}
 * reads and checks every file again and swaps the new context in only when all of it is valid; connections already
 * open keep the context they started with. Thread-safe: {@link #newHandler} may be called from any event loop while
 * {@link #reload()} runs on the file-watch thread.
 */
public final class ServerTls implements Reloadable {
    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);

    private final TlsConfig config;
    private final SslProvider provider;
    private final AtomicReference<Loaded> current = new AtomicReference<>();

    /** What one load produced: the context, the certificate it serves and the CRLs it checks against. */
    private record Loaded(SslContext context, X509Certificate certificate, CrlFreshness crls) {
    }

    private ServerTls(TlsConfig config, SslProvider provider) {
        this.config = config;
        this.provider = provider;
    }

    /**
     * Reads every file and builds the context.
     *
     * @throws IllegalArgumentException naming the file when one is missing, unreadable or does not fit the others
     */
    public static ServerTls load(TlsConfig config) {
        ServerTls tls = new ServerTls(config, TlsProviders.choose(config.provider()));
        Loaded loaded = tls.build();
        tls.current.set(loaded);
        loaded.crls().sayNow();
        return tls;
    }

    /**
     * Reads and checks every file as {@link #load} does, without keeping or logging anything (config check).
     *
     * @return what {@link #warnings()} would say about these files now
     * @throws IllegalArgumentException naming the file when one is missing, unreadable or does not fit the others
     */
    public static List<String> check(TlsConfig config) {
        // built on the provider that will run it: the two support different cipher suites
        Loaded checked = new ServerTls(config, TlsProviders.check(config.provider())).build();
        io.netty.util.ReferenceCountUtil.release(checked.context());
        return checked.crls().warnings(new Date());
    }

    /** "openssl" or "jdk". */
    public String providerName() {
        return provider == SslProvider.JDK ? "jdk" : "openssl";
    }

    public TlsConfig config() {
        return config;
    }

    /**
     * A handler for one new connection, on the current context, with the handshake time limit. The first connection
     * after a CRL went stale logs the warnings (once), so a CRL that expires while Sluice runs is said in the log.
     */
    public SslHandler newHandler(ByteBufAllocator alloc) {
        Loaded l = current.get();
        l.crls().sayWhenStale(System.currentTimeMillis());
        SslHandler h = l.context().newHandler(alloc);
        h.setHandshakeTimeoutMillis(config.handshakeTimeoutMs());
        return h;
    }

    /** The certificate new connections are served. */
    public X509Certificate serverCertificate() {
        return current.get().certificate();
    }

    /**
     * What is wrong now but does not stop the listener, one line each naming the file and the date: a CRL past its
     * nextUpdate (or before its thisUpdate); see {@link CrlFreshness}. Evaluated against the clock on every call.
     */
    public List<String> warnings() {
        Loaded l = current.get();
        return l == null ? List.of() : l.crls().warnings(new Date());
    }

    @Override
    public String describe() {
        return "TLS certificate, key, CA bundle and CRL of mqtt_tls";
    }

    @Override
    public List<Path> files() {
        return config.files();
    }

    @Override
    public void reload() {
        Loaded next = build();
        Loaded old = current.getAndUpdate(c -> c == null ? null : next);
        if (old == null) {
            io.netty.util.ReferenceCountUtil.release(next.context()); // closed meanwhile
            return;
        }
        next.crls().sayNow();
        // open connections' engines hold their own reference; the native context goes when the last of them does
        io.netty.util.ReferenceCountUtil.release(old.context());
    }

    /** Frees the current context (the listener is closed; engines of open connections keep theirs until closed). */
    public void close() {
        Loaded old = current.getAndSet(null);
        if (old != null) {
            io.netty.util.ReferenceCountUtil.release(old.context());
        }
    }

    private Loaded build() {
        List<X509Certificate> chain = PemFiles.certificates(config.certFile());
        PrivateKey key = PemFiles.privateKey(config.keyFile(), config.keyPasswordFile());
        PemFiles.checkPair(key, chain.get(0), config.keyFile(), config.certFile());
        Date now = new Date();
        if (chain.get(0).getNotAfter().before(now)) {
            throw new IllegalArgumentException(config.certFile() + ": the server certificate expired on "
                    + chain.get(0).getNotAfter().toInstant() + "; clients would refuse it");
        }
        if (chain.get(0).getNotBefore().after(now)) {
            throw new IllegalArgumentException(config.certFile() + ": the server certificate is not valid before "
                    + chain.get(0).getNotBefore().toInstant() + " (is the clock right?); clients would refuse it");
        }
        SslContextBuilder b = SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
                .sslProvider(provider)
                .protocols(config.protocols())
                .ciphers(config.effectiveCiphers(), SupportedCipherSuiteFilter.INSTANCE)
                .sessionCacheSize(config.sessionCacheSize())
                .sessionTimeout(config.sessionTimeoutSeconds())
                .clientAuth(switch (config.clientAuth()) {
                    case NONE -> ClientAuth.NONE;
                    case OPTIONAL -> ClientAuth.OPTIONAL;
                    case REQUIRED -> ClientAuth.REQUIRE;
                });
        List<X509CRL> crls = config.crlFile() == null || config.clientAuth() == TlsConfig.ClientAuthMode.NONE
                ? List.of() : PemFiles.crls(config.crlFile());
        if (config.caFile() != null && config.clientAuth() != TlsConfig.ClientAuthMode.NONE) {
            b.trustManager(trust(crls));
        }
        SslContext ctx;
        try {
            ctx = b.build();
        } catch (Exception e) {
            throw new IllegalArgumentException(config.certFile() + ", " + config.keyFile()
                    + ": cannot build a TLS context: " + e.getMessage(), e);
        }
        if (ctx.cipherSuites().isEmpty()) {
            io.netty.util.ReferenceCountUtil.release(ctx);
            throw new IllegalArgumentException("mqtt_tls.ciphers: none of " + config.effectiveCiphers()
                    + " is supported by the " + providerName() + " provider");
        }
        return new Loaded(ctx, chain.get(0), new CrlFreshness(config.crlFile(), crls));
    }

    /** PKIX trust in the CA bundle; with a CRL file, every client certificate's revocation is checked against it. */
    private TrustManagerFactory trust(List<X509CRL> crls) {
        List<X509Certificate> cas = PemFiles.certificates(config.caFile());
        for (X509CRL crl : crls) {
            if (cas.stream().noneMatch(ca -> signedBy(crl, ca))) {
                throw new IllegalArgumentException(config.crlFile() + ": the CRL of " + crl.getIssuerX500Principal()
                        + " is not signed by a CA in " + config.caFile());
            }
        }
        try {
            KeyStore anchors = KeyStore.getInstance("PKCS12");
            anchors.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                anchors.setCertificateEntry("ca-" + i, cas.get(i));
            }
            PKIXBuilderParameters params = new PKIXBuilderParameters(anchors, new X509CertSelector());
            if (crls.isEmpty()) {
                params.setRevocationEnabled(false);
            } else {
                params.addCertStore(CertStore.getInstance("Collection",
                        new CollectionCertStoreParameters(new ArrayList<>(crls))));
                PKIXRevocationChecker rc = (PKIXRevocationChecker) CertPathBuilder.getInstance("PKIX")
                        .getRevocationChecker();
                // the CRL file is the only source: no OCSP, no fetching distribution points from the network
                rc.setOptions(EnumSet.of(PKIXRevocationChecker.Option.PREFER_CRLS,
                        PKIXRevocationChecker.Option.NO_FALLBACK, PKIXRevocationChecker.Option.ONLY_END_ENTITY));
                params.addCertPathChecker(rc);
                params.setRevocationEnabled(true);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(new CertPathTrustManagerParameters(params));
            return tmf;
        } catch (Exception e) {
            throw new IllegalArgumentException(config.caFile() + ": cannot build trust from the CA bundle: "
                    + e.getMessage(), e);
        }
    }

    private static boolean signedBy(X509CRL crl, X509Certificate ca) {
        if (!crl.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
            return false;
        }
        try {
            crl.verify(ca.getPublicKey());
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
