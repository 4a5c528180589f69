package io.sluice.tls;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.internal.tcnative.Buffer;
import io.netty.internal.tcnative.SSL;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;

/**
 * Sends a TLS 1.3 server's session tickets as soon as the handshake is done, as OpenSSL servers (Mosquitto) do.
 *
 * <p>BoringSSL keeps its NewSessionTicket messages until the server's next write of application data. An MQTT
 * server writes nothing before the client's CONNECT, so after the client's Finished the server's kernel holds its
 * ACK back (delayed ACK, at least 40 ms on Linux), and a client with Nagle's algorithm on (no TCP_NODELAY, e.g. a
 * plain Python socket) holds its CONNECT until that ACK comes: about 40 ms more for every connection. A zero-byte
 * write makes BoringSSL queue the tickets; flushing the channel makes the {@link SslHandler} send them at once, and
 * the ACK of the client's Finished goes with them. The JDK provider and TLS 1.2 need nothing. Runs on the
 * connection's event loop.
 */
final class SessionTickets {
    /** A native byte for the zero-byte write to point at (tcnative refuses a null address; nothing is read). */
    private static final long NOTHING = Buffer.address(ByteBuffer.allocateDirect(1));

    private SessionTickets() {
    }

    /**
     * After a successful handshake: when BoringSSL negotiated TLS 1.3, sends its session tickets to the client now.
     *
     * @return whether they were sent (false for the JDK provider, TLS 1.2 and an engine already freed)
     */
    static boolean sendNow(SslHandler ssl, Channel channel) {
        SSLEngine engine = ssl.engine();
        if (!(engine instanceof ReferenceCountedOpenSslEngine openSsl)
                || !"TLSv1.3".equals(engine.getSession().getProtocol())) {
            return false;
        }
        synchronized (openSsl) { // the engine's own methods hold this lock while they use the native SSL
            long pointer = openSsl.sslPointer();
            if (pointer == 0) { // freed: the connection is closing
                return false;
            }
            SSL.writeToSSL(pointer, NOTHING, 0); // returns 0 (bytes written); the tickets are now in the network BIO
        }
        // the SslHandler wraps an empty buffer, which drains the network BIO, and flushes it to the socket
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER);
        return true;
    }
}
