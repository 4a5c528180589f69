package io.sluice.tls;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.sluice.ingest.EventCounters;
import io.sluice.security.CertificateIdentity;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The identity of a verified client certificate is on the channel before the first decrypted byte reaches the
 * handler after it (where the MQTT decoder sits), even when the client sends data in the same flight as its
 * handshake's end (TLS 1.3); it comes from the CN or the SAN entry of the configured type.
 */
class PeerIdentityHandlerTest {
    @TempDir
    Path dir;
    private EventLoopGroup group;
    private ServerTls tls;
    private final EventCounters events = new EventCounters();
    /** What the next handler saw on its first read: the identity, or "none". */
    private final List<String> seenAtFirstRead = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        if (group != null) {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (tls != null) {
            tls.close();
        }
    }

    private int serve(TlsConfig.IdentitySource source, TestPki.Ca ca) throws Exception {
        TestPki.server(ca, "server").write(dir, "server");
        TestPki.writeCert(dir.resolve("ca.crt"), ca.cert);
        ServerTls tls = ServerTls.load(new TlsConfig("127.0.0.1", 0, dir.resolve("server.crt"),
                dir.resolve("server.key"), null, dir.resolve("ca.crt"), null, TlsConfig.ClientAuthMode.OPTIONAL,
                source, List.of("TLSv1.3"), List.of(), 5_000, 100, 60));
        this.tls = tls;
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(tls.newHandler(ch.alloc()), new PeerIdentityHandler(source, events),
                                new ChannelInboundHandlerAdapter() {
                                    boolean first = true;

                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        if (first) {
                                            first = false;
                                            seenAtFirstRead.add(CertificateIdentity.of(ctx.channel()).orElse("none"));
                                        }
                                        ((ByteBuf) msg).release();
                                    }
                                });
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Connects presenting {@code client} (or nothing), writes at once without waiting for the handshake; returns the socket. */
    private SSLSocket sendRightAway(int port, TestPki.Ca ca, TestPki.Issued client) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (client != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("c", client.key(), new char[0], new X509Certificate[] {client.cert()});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
        }
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(5_000);
        s.getOutputStream().write(new byte[] {0x10, 0x00}); // handshake, then these bytes, in one go
        s.getOutputStream().flush();
        return s;
    }

    @Test
    void commonName_isOnTheChannel_beforeTheFirstDecryptedRead() throws Exception {
        TestPki.Ca ca = TestPki.ca("ca");
        int port = serve(TlsConfig.IdentitySource.CN, ca);
        for (int i = 0; i < 20; i++) {
            try (SSLSocket s = sendRightAway(port, ca, TestPki.client(ca, "sensor-" + i, List.of()))) {
                int n = i;
                await().atMost(Duration.ofSeconds(5)).until(() -> seenAtFirstRead.size() == n + 1);
            }
        }
        for (int i = 0; i < 20; i++) {
            assertEquals("sensor-" + i, seenAtFirstRead.get(i));
        }
    }

    @Test
    void sanOfTheConfiguredType_isTheIdentity_andNoCertificateMeansNone() throws Exception {
        TestPki.Ca ca = TestPki.ca("ca");
        int port = serve(TlsConfig.IdentitySource.SAN_DNS, ca);
        TestPki.Issued withSan = TestPki.client(ca, "cn-is-not-it", List.of(
                new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://fleet/sensor-7"),
                new GeneralName(GeneralName.dNSName, "sensor-7.fleet.example")));
        try (SSLSocket s = sendRightAway(port, ca, withSan)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> seenAtFirstRead.size() == 1);
        }
        try (SSLSocket s = sendRightAway(port, ca, null)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> seenAtFirstRead.size() == 2);
        }
        assertEquals(List.of("sensor-7.fleet.example", "none"), seenAtFirstRead);
    }

    @Test
    void certificateWithoutTheConfiguredSan_isClosed_andCounted() throws Exception {
        TestPki.Ca ca = TestPki.ca("ca");
        int port = serve(TlsConfig.IdentitySource.SAN_URI, ca);
        try (SSLSocket s = sendRightAway(port, ca, TestPki.client(ca, "only-a-cn", List.of()))) {
            InputStream in = s.getInputStream();
            int r;
            try {
                r = in.read();
            } catch (java.io.IOException e) {
                r = -1;
            }
            assertEquals(-1, r, "closed");
        }
        assertTrue(seenAtFirstRead.isEmpty(), "nothing reached the next handler");
        assertEquals(1, events.event("certificate_without_identity"));
        assertEquals(Optional.empty(), CertificateNames.identity(
                TestPki.client(ca, "x", List.of()).cert(), TlsConfig.IdentitySource.SAN_EMAIL));
    }
}
