package io.sluice.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.sluice.ingest.EventCounters;
import io.sluice.security.CertificateIdentity;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits right after the {@link SslHandler}: when the handshake succeeds, takes the identity from the verified client
 * certificate (if one was presented) and stores it with {@link CertificateIdentity} before any decrypted byte
 * reaches the MQTT decoder; then removes itself. A certificate without an identity of the configured kind closes the
 * connection (event {@code certificate_without_identity}); a failed handshake is counted as
 * {@code tls_handshake_failed} (the {@link SslHandler} closes the connection). After a successful TLS 1.3 handshake
 * the session tickets are sent at once ({@link SessionTickets}). One instance per connection; runs on its event
 * loop.
 */
public final class PeerIdentityHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(PeerIdentityHandler.class);

    /** At most 10 handshake failure lines a second across all connections; the rest are only counted. */
    private static final LogLimit FAILURE_LINES = new LogLimit(10);

    private final TlsConfig.IdentitySource source;
    private final EventCounters events;
    private boolean done;
    /** Set when the certificate had no identity: the connection is closing and nothing more may pass. */
    private boolean refused;

    public PeerIdentityHandler(TlsConfig.IdentitySource source, EventCounters events) {
        this.source = source;
        this.events = events;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent e) {
            if (e.isSuccess()) {
                SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                if (takeIdentity(ctx)) {
                    SessionTickets.sendNow(ssl, ctx.channel());
                }
            } else {
                events.count("tls_handshake_failed");
                if (FAILURE_LINES.tryAcquire()) {
                    LOG.info("TLS handshake with {} failed: {}{}", ctx.channel().remoteAddress(), reason(e.cause()),
                            FAILURE_LINES.suppressedNote());
                }
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        // decrypted bytes only flow after the handshake; this guards the order in case an event is ever missed
        if (refused || !takeIdentity(ctx)) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /** Returns false when the connection was closed for lack of an identity. */
    private boolean takeIdentity(ChannelHandlerContext ctx) {
        if (done) {
            return true;
        }
        done = true;
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        Optional<X509Certificate> peer = peerCertificate(ssl.engine().getSession());
        if (peer.isPresent()) {
            Optional<String> id = CertificateNames.identity(peer.get(), source);
            if (id.isEmpty()) {
                events.count("certificate_without_identity");
                LOG.warn("Closing {}: its certificate ({}) has no {} to take the identity from"
                                + " (mqtt_tls.identity_from)", ctx.channel().remoteAddress(),
                        peer.get().getSubjectX500Principal(), source.name().toLowerCase(java.util.Locale.ROOT));
                refused = true;
                ctx.close();
                return false;
            }
            CertificateIdentity.set(ctx.channel(), id.get());
        }
        ctx.pipeline().remove(this);
        return true;
    }

    private static Optional<X509Certificate> peerCertificate(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? Optional.of(x) : Optional.empty();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }

    private static String reason(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String why = root.getMessage() == null ? root.toString() : root.getMessage();
        // the JDK's words when no CRL in force covers the client's CA: name the likely cause
        return why.contains("Could not determine revocation status")
                ? why + " (no current CRL of its CA in mqtt_tls.crl_file: a stale one shows in sluice status,"
                        + " tls_warnings)" : why;
    }
}
