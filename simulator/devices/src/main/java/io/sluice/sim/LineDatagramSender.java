package io.sluice.sim;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.CompletableFuture;

/**
 * Line-protocol datagrams from one UDP socket, one line per datagram. Nothing is ever acknowledged: a publish
 * completes once the datagram is handed to the kernel, so "written" is all a run can report; whether it arrived
 * only the log can tell. A blocking socket: a full send buffer slows the sender rather than dropping here.
 */
final class LineDatagramSender implements Publisher {
    private final DatagramChannel channel;

    LineDatagramSender(InetSocketAddress target, InetAddress local) throws IOException {
        channel = DatagramChannel.open(StandardProtocolFamily.INET);
        try {
            channel.bind(new InetSocketAddress(local, 0));
            channel.connect(target);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public CompletableFuture<?> connect() {
        return CompletableFuture.completedFuture(null); // nothing to set up: UDP
    }

    @Override
    public CompletableFuture<?> publish(String topic, byte[] payload, int qos) {
        try {
            channel.write(ByteBuffer.wrap(payload));
            return CompletableFuture.completedFuture(null);
        } catch (IOException e) { // e.g. PortUnreachableException after an ICMP error: nobody listens
            return CompletableFuture.failedFuture(new LoadMeter.KindedException("line-udp send "
                    + e.getClass().getSimpleName(), e.toString()));
        }
    }

    @Override
    public CompletableFuture<?> disconnect() {
        try {
            channel.close();
        } catch (IOException e) {
            // closing: nothing left to do with it
        }
        return CompletableFuture.completedFuture(null);
    }
}
