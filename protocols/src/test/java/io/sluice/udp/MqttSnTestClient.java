package io.sluice.udp;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A minimal blocking MQTT-SN 1.2 client for tests: builds packets and reads replies with a timeout. */
public final class MqttSnTestClient implements AutoCloseable {
    private final DatagramSocket socket;
    private final InetAddress host = InetAddress.getLoopbackAddress();
    private final int port;

    public MqttSnTestClient(int port) throws IOException {
        this.port = port;
        this.socket = new DatagramSocket();
        socket.setSoTimeout(10_000);
    }

    public static byte[] packet(int type, byte[] body) {
        byte[] out = new byte[2 + body.length];
        out[0] = (byte) out.length;
        out[1] = (byte) type;
        System.arraycopy(body, 0, out, 2, body.length);
        return out;
    }

    public static byte[] connect(String clientId, boolean clean) {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[4 + id.length];
        body[0] = (byte) (clean ? 0x04 : 0);
        body[1] = 0x01;
        body[3] = 60;
        System.arraycopy(id, 0, body, 4, id.length);
        return packet(0x04, body);
    }

    public static byte[] register(int msgId, String topic) {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[4 + t.length];
        body[2] = (byte) (msgId >> 8);
        body[3] = (byte) msgId;
        System.arraycopy(t, 0, body, 4, t.length);
        return packet(0x0A, body);
    }

    /** qos -1, 0 or 1; idType 0 normal, 1 predefined, 2 short. */
    public static byte[] publish(int qos, boolean dup, int idType, int topicId, int msgId, String payload) {
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[5 + p.length];
        int q = qos == -1 ? 3 : qos;
        body[0] = (byte) ((dup ? 0x80 : 0) | (q << 5) | idType);
        body[1] = (byte) (topicId >> 8);
        body[2] = (byte) topicId;
        body[3] = (byte) (msgId >> 8);
        body[4] = (byte) msgId;
        System.arraycopy(p, 0, body, 5, p.length);
        return packet(0x0C, body);
    }

    public void send(byte[] b) throws IOException {
        socket.send(new DatagramPacket(b, b.length, host, port));
    }

    public byte[] receive() throws IOException {
        byte[] buf = new byte[1024];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        socket.receive(p);
        return Arrays.copyOf(buf, p.getLength());
    }

    /** The next datagram within {@code millis}, or null when none came. */
    public byte[] receiveWithin(int millis) throws IOException {
        int before = socket.getSoTimeout();
        socket.setSoTimeout(millis);
        try {
            return receive();
        } catch (java.net.SocketTimeoutException e) {
            return null;
        } finally {
            socket.setSoTimeout(before);
        }
    }

    public int localPort() {
        return socket.getLocalPort();
    }

    @Override
    public void close() {
        socket.close();
    }
}
