package io.sluice.daemon.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Hand-built MQTT frames on a plain socket, for input no real client would send. */
final class RawMqtt implements AutoCloseable {
    private final Socket socket;

    RawMqtt(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
    }

    /** How long a read waits for the server before it fails with a SocketTimeoutException. */
    RawMqtt readTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
        return this;
    }

    void send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    /** The next {@code n} bytes from the server. */
    byte[] read(int n) throws IOException {
        byte[] out = socket.getInputStream().readNBytes(n);
        if (out.length < n) {
            throw new IOException("connection closed after " + out.length + " of " + n + " bytes");
        }
        return out;
    }

    /** One whole packet (fixed header with a one-byte remaining length, then the body). */
    byte[] readPacket() throws IOException {
        byte[] head = read(2);
        byte[] body = read(head[1] & 0x7f);
        byte[] all = new byte[2 + body.length];
        System.arraycopy(head, 0, all, 0, 2);
        System.arraycopy(body, 0, all, 2, body.length);
        return all;
    }

    /** True when the server closed the connection (EOF or reset) before the timeout, with nothing more sent. */
    boolean closedByServer() throws IOException {
        InputStream in = socket.getInputStream();
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    static byte[] connect(int level, String clientId) {
        return connect("MQTT", level, clientId);
    }

    static byte[] connect(String protocolName, int level, String clientId) {
        ByteArrayOutputStream vh = new ByteArrayOutputStream();
        writeString(vh, protocolName);
        vh.write(level);
        vh.write(0x02); // clean session / clean start
        vh.write(0);
        vh.write(60); // keep alive
        if (level == 5) {
            vh.write(0); // no properties
        }
        writeString(vh, clientId);
        return frame(0x10, vh.toByteArray());
    }

    /** An MQTT 3.1.1 CONNECT keeping the session (clean session 0), keep alive 60 s. */
    static byte[] persistentConnect311(String clientId) {
        ByteArrayOutputStream vh = new ByteArrayOutputStream();
        vh.writeBytes(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 4, 0x00, 0, 60});
        writeString(vh, clientId);
        return frame(0x10, vh.toByteArray());
    }

    /** A 3.1.1 CONNECT, clean session, with a QoS 0 will and the given keep alive. */
    static byte[] connectWithWill(String clientId, int keepAliveSeconds, String willTopic, byte[] willPayload) {
        ByteArrayOutputStream vh = new ByteArrayOutputStream();
        writeString(vh, "MQTT");
        vh.write(4);
        vh.write(0x02 | 0x04); // clean session, will flag, will QoS 0
        vh.write(keepAliveSeconds >> 8);
        vh.write(keepAliveSeconds & 0xff);
        writeString(vh, clientId);
        writeString(vh, willTopic);
        vh.write(willPayload.length >> 8);
        vh.write(willPayload.length & 0xff);
        vh.writeBytes(willPayload);
        return frame(0x10, vh.toByteArray());
    }

    static byte[] publishQos0(int level, byte[] topicUtf8, byte[] payload) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(topicUtf8.length >> 8);
        body.write(topicUtf8.length & 0xff);
        body.writeBytes(topicUtf8);
        if (level == 5) {
            body.write(0); // no properties
        }
        body.writeBytes(payload);
        return frame(0x30, body.toByteArray());
    }

    static byte[] frame(int firstByte, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(firstByte);
        int len = body.length;
        do {
            int digit = len % 128;
            len /= 128;
            out.write(len > 0 ? digit | 0x80 : digit);
        } while (len > 0);
        out.writeBytes(body);
        return out.toByteArray();
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b.length >> 8);
        out.write(b.length & 0xff);
        out.writeBytes(b);
    }
}
