package io.sluice.sim;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One MQTT-SN 1.2 client over UDP: CONNECT (clean session), REGISTER of each topic on first use, PUBLISH QoS 0 or 1
 * (normal topic ids) with PUBACK, DISCONNECT. Each request waits for its answer in a table by message id;
 * {@link MqttSnClients} reads the socket and retransmits. A PUBACK "rejected: congestion" (the gateway's in-flight
 * budget is spent; nothing was written) is retried after the retry interval, like a lost datagram. Thread-safe.
 */
final class MqttSnClient implements Publisher {
    static final int CONNECT = 0x04, CONNACK = 0x05, REGISTER = 0x0A, REGACK = 0x0B, PUBLISH = 0x0C, PUBACK = 0x0D,
            DISCONNECT = 0x18;
    private static final int RC_ACCEPTED = 0, RC_CONGESTION = 1;
    /** Table keys of the requests that carry no message id. */
    private static final int CONNECT_KEY = -1, DISCONNECT_KEY = -2;

    private final String clientId;
    private final DatagramChannel channel;
    private final MqttSnClients io;
    private final Map<Integer, Request> requests = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Integer>> topicIds = new ConcurrentHashMap<>();
    private final AtomicInteger lastMsgId = new AtomicInteger();
    private volatile boolean connected;

    /** A request awaiting its answer: the frame to retransmit and what it completes. */
    private static final class Request {
        final byte[] frame;
        final CompletableFuture<Integer> done = new CompletableFuture<>();
        final boolean publish;
        volatile long retryAt;
        volatile int sends;

        Request(byte[] frame, boolean publish) {
            this.frame = frame;
            this.publish = publish;
        }
    }

    MqttSnClient(String clientId, DatagramChannel channel, MqttSnClients io) {
        this.clientId = clientId;
        this.channel = channel;
        this.io = io;
    }

    DatagramChannel channel() {
        return channel;
    }

    @Override
    public CompletableFuture<?> connect() {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(4 + id.length).put((byte) 0x04) // clean session
                .put((byte) 0x01).putShort((short) 600).put(id); // protocol id, keep-alive seconds
        return request(CONNECT_KEY, frame(CONNECT, body.array()), false).thenRun(() -> connected = true);
    }

    @Override
    public CompletableFuture<?> publish(String topic, byte[] payload, int qos) {
        if (!connected) {
            return CompletableFuture.failedFuture(new LoadMeter.KindedException("mqtt-sn not_connected",
                    clientId + " is not connected"));
        }
        CompletableFuture<Integer> topicId = topicIds.get(topic);
        if (topicId == null) {
            topicId = topicIds.computeIfAbsent(topic, this::register);
        }
        if (topicId.isDone() && !topicId.isCompletedExceptionally()) {
            return publishTo(topicId.join(), payload, qos);
        }
        return topicId.thenCompose(id -> publishTo(id, payload, qos));
    }

    private CompletableFuture<Integer> register(String topic) {
        byte[] name = topic.getBytes(StandardCharsets.UTF_8);
        int msgId = nextMsgId();
        ByteBuffer body = ByteBuffer.allocate(4 + name.length).putShort((short) 0).putShort((short) msgId).put(name);
        CompletableFuture<Integer> id = request(msgId, frame(REGISTER, body.array()), false);
        id.whenComplete((v, e) -> {
            if (e != null) {
                topicIds.remove(topic, id); // a later message registers it again
            }
        });
        return id;
    }

    private CompletableFuture<?> publishTo(int topicId, byte[] payload, int qos) {
        int msgId = qos == 1 ? nextMsgId() : 0;
        ByteBuffer body = ByteBuffer.allocate(5 + payload.length).put((byte) (qos == 1 ? 0x20 : 0x00))
                .putShort((short) topicId).putShort((short) msgId).put(payload);
        byte[] frame = frame(PUBLISH, body.array());
        if (qos == 1) {
            return request(msgId, frame, true);
        }
        return send(frame) ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(
                new LoadMeter.KindedException("mqtt-sn send_failed", "QoS 0 datagram not sent"));
    }

    @Override
    public CompletableFuture<?> disconnect() {
        connected = false;
        return request(DISCONNECT_KEY, frame(DISCONNECT, new byte[0]), false).handle((v, e) -> {
            closeChannel();
            return null;
        });
    }

    private CompletableFuture<Integer> request(int key, byte[] frame, boolean publish) {
        Request r = new Request(frame, publish);
        if (requests.putIfAbsent(key, r) != null) {
            return CompletableFuture.failedFuture(new LoadMeter.KindedException("mqtt-sn busy", "request " + key
                    + " already waiting"));
        }
        r.retryAt = System.nanoTime() + io.retryNanos();
        r.sends = 1;
        send(frame);
        return r.done;
    }

    /** A message id (1..65535) no request of this client is waiting with. */
    private int nextMsgId() {
        while (true) {
            int id = lastMsgId.incrementAndGet() & 0xffff;
            if (id != 0 && !requests.containsKey(id)) {
                return id;
            }
        }
    }

    /** Sends one datagram; false when the socket took none of it (full send buffer, ICMP error), left to the retry. */
    private boolean send(byte[] frame) {
        try {
            if (channel.write(ByteBuffer.wrap(frame)) > 0) {
                return true;
            }
            io.meter().event("mqtt-sn send_buffer_full");
        } catch (IOException e) {
            io.meter().event("mqtt-sn send " + e.getClass().getSimpleName());
        }
        return false;
    }

    /** One datagram from the gateway (reader thread). */
    void onDatagram(byte[] b) {
        int p = (b.length >= 3 && (b[0] & 0xff) == 0x01) ? 3 : 1;
        if (b.length < p + 1) {
            io.meter().event("mqtt-sn malformed_answer");
            return;
        }
        int type = b[p] & 0xff;
        int body = p + 1;
        switch (type) {
            case CONNACK -> answer(CONNECT_KEY, u8(b, body), 0, "connack");
            case REGACK -> answer(u16(b, body + 2), u8(b, body + 4), u16(b, body), "regack");
            case PUBACK -> answer(u16(b, body + 2), u8(b, body + 4), u16(b, body), "puback");
            case DISCONNECT -> answer(DISCONNECT_KEY, RC_ACCEPTED, 0, "disconnect");
            default -> io.meter().event("mqtt-sn unexpected_answer_" + type);
        }
    }

    private void answer(int key, int rc, int topicId, String what) {
        Request r = requests.get(key);
        if (r == null) {
            io.meter().event("mqtt-sn late_" + what); // answered after a retransmission was answered already
            return;
        }
        if (rc == RC_CONGESTION && r.publish) {
            io.meter().event("mqtt-sn congestion"); // nothing was written: send it again after the retry interval
            r.retryAt = System.nanoTime() + io.retryNanos();
            return;
        }
        if (requests.remove(key, r)) {
            if (rc == RC_ACCEPTED) {
                r.done.complete(topicId);
            } else {
                r.done.completeExceptionally(new LoadMeter.KindedException("mqtt-sn " + what + "_rc" + rc,
                        clientId + ": " + what + " return code " + rc));
            }
        }
    }

    /** Retransmits what is overdue, fails what has had its retries (timer thread). */
    void retransmit(long now) {
        for (Map.Entry<Integer, Request> e : requests.entrySet()) {
            Request r = e.getValue();
            if (now - r.retryAt < 0) {
                continue;
            }
            if (e.getKey() == DISCONNECT_KEY) { // no answer needed to leave
                if (requests.remove(DISCONNECT_KEY, r)) {
                    r.done.complete(0);
                }
            } else if (r.sends > io.retries()) {
                if (requests.remove(e.getKey(), r)) {
                    r.done.completeExceptionally(new LoadMeter.KindedException("mqtt-sn timeout", clientId
                            + ": no answer after " + r.sends + " sends"));
                }
            } else {
                if (r.publish) {
                    r.frame[headerLength(r.frame) + 1] |= (byte) 0x80; // DUP
                }
                r.sends++;
                r.retryAt = now + io.retryNanos();
                io.meter().event("mqtt-sn retransmit");
                send(r.frame);
            }
        }
    }

    /** Fails whatever still waits and closes the socket. */
    void closeChannel() {
        for (Map.Entry<Integer, Request> e : requests.entrySet()) {
            if (requests.remove(e.getKey(), e.getValue())) {
                e.getValue().done.completeExceptionally(new LoadMeter.KindedException("mqtt-sn closed",
                        clientId + " closed"));
            }
        }
        try {
            channel.close();
        } catch (IOException e) {
            // closing: nothing left to do with it
        }
        io.closed(this);
    }

    /** An MQTT-SN frame: length (one byte, or 0x01 and two bytes from 256 on), type, body. */
    static byte[] frame(int type, byte[] body) {
        int shortLength = 2 + body.length;
        ByteBuffer b = shortLength < 256 ? ByteBuffer.allocate(shortLength).put((byte) shortLength)
                : ByteBuffer.allocate(4 + body.length).put((byte) 0x01).putShort((short) (4 + body.length));
        return b.put((byte) type).put(body).array();
    }

    private static int headerLength(byte[] frame) {
        return (frame[0] & 0xff) == 0x01 ? 3 : 1;
    }

    private static int u8(byte[] b, int i) {
        return i < b.length ? b[i] & 0xff : -1;
    }

    private static int u16(byte[] b, int i) {
        return i + 1 < b.length ? ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff) : -1;
    }
}
