package io.sluice.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import io.sluice.ingest.EventCounters;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After the client's Finished, a TLS 1.3 server on BoringSSL writes its session tickets at once, before the client
 * sends any application data. Without them the server has nothing to send until the CONNACK, so the ACK of the
 * client's Finished waits for the delayed-ACK timer (40 ms on Linux), and a client with Nagle's algorithm on holds
 * its CONNECT that long on every connection. Client and server run in embedded channels, the bytes carried between
 * them by hand: no network, no timing.
 */
class SessionTicketsTest {
    @TempDir
    Path dir;
    private ServerTls tls;
    private EmbeddedChannel client;
    private EmbeddedChannel server;

    @AfterEach
    void stop() {
        for (EmbeddedChannel ch : new EmbeddedChannel[] {client, server}) {
            if (ch != null) {
                ch.finishAndReleaseAll();
            }
        }
        if (tls != null) {
            tls.close();
        }
    }

    private void start(String protocol) throws Exception {
        TestPki.Ca ca = TestPki.ca("ca");
        TestPki.server(ca, "server").write(dir, "server");
        tls = ServerTls.load(new TlsConfig("127.0.0.1", 0, dir.resolve("server.crt"), dir.resolve("server.key"),
                null, null, null, TlsConfig.ClientAuthMode.NONE, TlsConfig.IdentitySource.CN,
                List.of("TLSv1.3", "TLSv1.2"), List.of(), 5_000, 100, 60));
        assertEquals("openssl", tls.providerName(), "BoringSSL is what defers the tickets; it loads on this platform");
        SslContext clientContext = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).protocols(protocol)
                .trustManager(ca.cert).build();
        client = new EmbeddedChannel(clientContext.newHandler(ByteBufAllocator.DEFAULT, "localhost", 8883));
        server = new EmbeddedChannel(tls.newHandler(ByteBufAllocator.DEFAULT),
                new PeerIdentityHandler(TlsConfig.IdentitySource.CN, new EventCounters()));
    }

    /** Moves everything {@code from} has written into {@code to}; returns how many bytes that was. */
    private static int carry(EmbeddedChannel from, EmbeddedChannel to) {
        int bytes = 0;
        for (Object m = from.readOutbound(); m != null; m = from.readOutbound()) {
            bytes += ((ByteBuf) m).readableBytes();
            to.writeInbound(m);
        }
        return bytes;
    }

    /** Runs the handshake to the point where the server has read the client's last flight. */
    private void handshake() {
        for (int round = 0; round < 10 && !client.pipeline().get(SslHandler.class).handshakeFuture().isDone();
                round++) {
            carry(client, server);
            carry(server, client);
        }
        assertTrue(client.pipeline().get(SslHandler.class).handshakeFuture().isSuccess(), "client handshake");
        carry(client, server); // the client's Finished
        assertTrue(server.pipeline().get(SslHandler.class).handshakeFuture().isSuccess(), "server handshake");
    }

    @Test
    void tls13_serverSendsItsSessionTickets_rightAfterTheClientsFinished_withoutAnyApplicationWrite() throws Exception {
        start("TLSv1.3");
        handshake();
        int afterFinished = carry(server, client);
        assertTrue(afterFinished > 0, "the server wrote its NewSessionTicket records after the client's Finished");
        assertNull(client.readInbound(), "and no application data");
        // the connection still carries data both ways afterwards
        client.writeOutbound(io.netty.buffer.Unpooled.wrappedBuffer(new byte[] {0x10, 0x00}));
        carry(client, server);
        ByteBuf got = server.readInbound();
        assertNotNull(got);
        assertEquals(2, got.readableBytes());
        ReferenceCountUtil.release(got);
    }

    @Test
    void tls12_needsNothingSent_theServersFinishedIsItsLastFlight() throws Exception {
        start("TLSv1.2");
        for (int round = 0; round < 10 && !server.pipeline().get(SslHandler.class).handshakeFuture().isDone();
                round++) {
            carry(client, server);
            carry(server, client);
        }
        assertTrue(server.pipeline().get(SslHandler.class).handshakeFuture().isSuccess(), "server handshake");
        assertEquals(0, carry(server, client), "nothing after the server's Finished");
    }
}
