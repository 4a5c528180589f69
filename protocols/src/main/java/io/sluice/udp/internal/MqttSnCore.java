package io.sluice.udp.internal;

import io.sluice.ingest.Envelope;
import io.sluice.ingest.InflightBudget;
import io.sluice.ingest.Ingest;
import io.sluice.ingest.Protocols;
import io.sluice.udp.MqttSnStats;
import io.sluice.udp.MqttSnConfig;
import io.sluice.udp.MqttSnLimits;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * The MQTT-SN 1.2 protocol state, independent of Netty: {@link #onDatagram} takes one datagram's bytes and
 * answers through {@code reply} (which may be called later, on any thread, for PUBACK after delivery). Never
 * throws on any input: a malformed datagram is counted as "malformed" and dropped. Everything a sender can make it
 * hold is bounded by {@link MqttSnLimits} (clients, registered topics and their bytes, QoS 1 readings in flight) or
 * fixed (16 delivered readings per client for duplicate detection); a datagram is parsed whole, so there is no
 * decoder state between datagrams. Thread-safe: several sockets' event loops call it at once.
 */
public final class MqttSnCore {
    static final int CONNECT = 0x04, CONNACK = 0x05, WILLTOPICREQ = 0x06, WILLTOPIC = 0x07, WILLMSG = 0x09,
            REGISTER = 0x0A, REGACK = 0x0B, PUBLISH = 0x0C, PUBACK = 0x0D, PINGREQ = 0x16, PINGRESP = 0x17,
            DISCONNECT = 0x18, WILLTOPICUPD = 0x1A, WILLMSGUPD = 0x1C, WILLTOPICRESP = 0x1B, WILLMSGRESP = 0x1D;
    public static final int RC_ACCEPTED = 0, RC_CONGESTION = 1, RC_INVALID_TOPIC = 2, RC_NOT_SUPPORTED = 3;

    private final MqttSnConfig config;
    private final Ingest ingest;
    private final InflightBudget budget;
    private final MqttSnStats stats;
    private final LongSupplier millis;
    /** Client state by client id: it survives a new source address (NAT rebinding, a sleeping client waking). */
    private final Map<String, SnClient> clients = new ConcurrentHashMap<>();
    /** Which client speaks from which address now; at most one address per held client. */
    private final Map<Object, SnClient> byAddress = new ConcurrentHashMap<>();
    /** Clients held: counted exactly so {@code max_clients} holds with several sockets admitting at once. */
    private final AtomicInteger clientCount = new AtomicInteger();
    /** Bytes charged for every held client's registered topics (names plus per-topic overhead). */
    private final AtomicLong topicBytes = new AtomicLong();
    private final MqttSnLimits limits;

    public MqttSnCore(MqttSnConfig config, Ingest ingest, InflightBudget budget, MqttSnStats stats,
                      LongSupplier millis) {
        this.config = config;
        this.ingest = ingest;
        this.budget = budget;
        this.stats = stats;
        this.millis = millis;
        this.limits = config.limits();
    }

    public void onDatagram(byte[] b, InetSocketAddress sender, BiConsumer<InetSocketAddress, byte[]> reply) {
        stats.datagrams.increment();
        try {
            handle(b, sender, reply);
        } catch (RuntimeException e) {
            stats.count("malformed");
        }
    }

    /** Forgets clients idle longer than the configured expiry; returns how many. */
    public int expireIdle() {
        long cutoff = millis.getAsLong() - config.clientIdleMs();
        int forgotten = 0;
        for (SnClient c : clients.values()) {
            if (c.lastSeen < cutoff && forget(c)) {
                forgotten++;
            }
        }
        byAddress.values().removeIf(c -> c.lastSeen < cutoff || c.retired());
        return forgotten;
    }

    /** Drops a held client and everything it holds; false when it was no longer held. */
    private boolean forget(SnClient c) {
        if (!clients.remove(c.clientId, c)) {
            return false;
        }
        clientCount.decrementAndGet();
        c.retire(topicBytes);
        Object at = c.address;
        if (at != null) {
            byAddress.remove(at, c);
        }
        return true;
    }

    /**
     * The state of client {@code id} after its CONNECT: the held one when clean session is off, else a fresh one
     * (replacing a held one, whose topics are given back); null when a new client would pass
     * {@code max_clients}.
     */
    private SnClient admit(String id, boolean clean, long now) {
        for (int attempt = 0; attempt < 4; attempt++) { // retried only when another socket changed this id at once
            SnClient known = clients.get(id);
            if (known != null && !clean) {
                known.lastSeen = now;
                return known; // clean session off: registered topics and duplicate detection carry over
            }
            SnClient fresh = new SnClient(id, now);
            if (known != null) {
                if (clients.replace(id, known, fresh)) {
                    known.retire(topicBytes);
                    Object at = known.address;
                    if (at != null) {
                        byAddress.remove(at, known);
                    }
                    return fresh;
                }
                continue;
            }
            int n;
            do {
                n = clientCount.get();
                if (n >= limits.maxClients()) {
                    return null;
                }
            } while (!clientCount.compareAndSet(n, n + 1));
            if (clients.putIfAbsent(id, fresh) == null) {
                return fresh;
            }
            clientCount.decrementAndGet();
        }
        return clients.get(id);
    }

    /** Bytes charged for the registered topics of every held client: UTF-8 name bytes plus 48 per topic. */
    public long topicBytes() {
        return topicBytes.get();
    }

    /**
     * The map key of a sender: IPv4 address and port packed into one boxed long (far smaller than the socket address
     * it stands for, with millions of clients), the socket address itself for IPv6.
     */
    static Object key(InetSocketAddress sender) {
        byte[] a = sender.getAddress().getAddress();
        if (a.length == 4) {
            long ip = ((a[0] & 0xffL) << 24) | ((a[1] & 0xffL) << 16) | ((a[2] & 0xffL) << 8) | (a[3] & 0xffL);
            return (ip << 16) | sender.getPort();
        }
        return sender;
    }

    public int clientCount() {
        return clientCount.get();
    }

    private void handle(byte[] b, InetSocketAddress sender, BiConsumer<InetSocketAddress, byte[]> reply) {
        int len;
        int p;
        if (b.length >= 1 && (b[0] & 0xff) == 0x01) {
            if (b.length < 4) {
                stats.count("malformed");
                return;
            }
            len = u16(b, 1);
            p = 3;
        } else if (b.length >= 2) {
            len = b[0] & 0xff;
            p = 1;
        } else {
            stats.count("malformed");
            return;
        }
        if (len != b.length || len < p + 1) {
            stats.count("malformed");
            return;
        }
        int type = b[p] & 0xff;
        int body = p + 1;
        long now = millis.getAsLong();
        Object key = key(sender);
        SnClient c = byAddress.get(key);
        if (c != null) {
            c.lastSeen = now;
        }
        switch (type) {
            case CONNECT -> {
                if (len - body < 4 || b[body + 1] != 0x01) {
                    stats.count("malformed");
                    return;
                }
                int flags = b[body] & 0xff;
                String id = new String(b, body + 4, len - body - 4, StandardCharsets.UTF_8);
                if ((flags & 0x08) != 0) {
                    // WILL is not supported: refuse per spec with "not supported"
                    reply.accept(sender, packet(CONNACK, RC_NOT_SUPPORTED));
                    return;
                }
                if (id.isEmpty() || id.length() > 23) {
                    reply.accept(sender, packet(CONNACK, RC_NOT_SUPPORTED));
                    return;
                }
                SnClient client = admit(id, (flags & 0x04) != 0, now);
                if (client == null) {
                    stats.count("too_many_clients");
                    reply.accept(sender, packet(CONNACK, RC_CONGESTION));
                    return;
                }
                if (c != null && c != client) {
                    byAddress.remove(key, c); // this address now speaks for another client
                }
                Object previous = client.address;
                if (previous != null && !previous.equals(key)) {
                    byAddress.remove(previous, client);
                }
                client.address = key;
                byAddress.put(key, client);
                reply.accept(sender, packet(CONNACK, RC_ACCEPTED));
            }
            case REGISTER -> {
                if (c == null || len - body < 5) {
                    stats.count(c == null ? "not_connected" : "malformed");
                    return;
                }
                int msgId = u16(b, body + 2);
                int nameBytes = len - body - 4;
                String name = new String(b, body + 4, nameBytes, StandardCharsets.UTF_8);
                int topicId = c.register(name, nameBytes, limits, topicBytes);
                int rc = RC_ACCEPTED;
                if (topicId < 0) {
                    stats.count(switch (topicId) {
                        case SnClient.TOO_MANY_TOPICS -> "too_many_topics";
                        case SnClient.TOPIC_BYTES_PER_CLIENT -> "topic_bytes_per_client";
                        case SnClient.TOPIC_BYTES_TOTAL -> "topic_bytes_total";
                        default -> "not_connected";
                    });
                    // the gateway-wide bound frees as other clients leave: "try later"; the others are final
                    rc = topicId == SnClient.TOPIC_BYTES_TOTAL ? RC_CONGESTION : RC_NOT_SUPPORTED;
                    topicId = 0;
                }
                reply.accept(sender, packet(REGACK, hi(topicId), lo(topicId), hi(msgId), lo(msgId), rc));
            }
            case PUBLISH -> publish(b, body, len, sender, c, reply);
            case PINGREQ -> reply.accept(sender, packet(PINGRESP));
            case DISCONNECT -> {
                if (c != null && len - body >= 2) {
                    c.lastSeen = now + u16(b, body) * 1000L; // sleeping client: keep state through its sleep
                } else if (c != null) {
                    forget(c);
                    byAddress.remove(key, c);
                }
                reply.accept(sender, packet(DISCONNECT));
            }
            case WILLTOPIC, WILLMSG -> reply.accept(sender, packet(CONNACK, RC_NOT_SUPPORTED));
            case WILLTOPICUPD -> reply.accept(sender, packet(WILLTOPICRESP, RC_NOT_SUPPORTED));
            case WILLMSGUPD -> reply.accept(sender, packet(WILLMSGRESP, RC_NOT_SUPPORTED));
            default -> stats.count("unsupported_type");
        }
    }

    private void publish(byte[] b, int body, int len, InetSocketAddress sender, SnClient c,
                         BiConsumer<InetSocketAddress, byte[]> reply) {
        if (len - body < 5) {
            stats.count("malformed");
            return;
        }
        int flags = b[body] & 0xff;
        int qosBits = (flags >> 5) & 0x03;
        int qos = qosBits == 3 ? -1 : qosBits;
        int idType = flags & 0x03;
        int topicId = u16(b, body + 1);
        int msgId = u16(b, body + 3);
        if (qos == 2) {
            stats.count("qos2_unsupported");
            reply.accept(sender, packet(PUBACK, hi(topicId), lo(topicId), hi(msgId), lo(msgId), RC_NOT_SUPPORTED));
            return;
        }
        if (c == null && qos != -1) {
            stats.count("not_connected");
            return;
        }
        String topic;
        if (idType == 1) {
            topic = config.predefinedTopics().get(topicId);
        } else if (idType == 2) {
            topic = new String(new byte[] {b[body + 1], b[body + 2]}, StandardCharsets.UTF_8);
        } else if (c != null && idType == 0) {
            topic = c.topic(topicId);
        } else {
            topic = null;
        }
        if (topic == null) {
            stats.count("invalid_topic");
            if (qos == 1) {
                reply.accept(sender, packet(PUBACK, hi(topicId), lo(topicId), hi(msgId), lo(msgId), RC_INVALID_TOPIC));
            }
            return;
        }
        long fingerprint = SnClient.fingerprint(msgId, topic, b, body + 5, len);
        if (qos == 1 && c != null) {
            switch (c.admitQos1(fingerprint, (flags & 0x80) != 0, limits.maxInflightPerClient())) {
                case DUPLICATE_INFLIGHT -> {
                    // the first copy is still on its way to the log: its PUBACK answers this one too
                    stats.count("duplicate_inflight");
                    return;
                }
                case DUPLICATE_DELIVERED -> {
                    stats.count("duplicate");
                    reply.accept(sender, packet(PUBACK, hi(topicId), lo(topicId), hi(msgId), lo(msgId), RC_ACCEPTED));
                    return;
                }
                case INFLIGHT_FULL -> {
                    stats.count("inflight_full");
                    reply.accept(sender, packet(PUBACK, hi(topicId), lo(topicId), hi(msgId), lo(msgId),
                            RC_CONGESTION));
                    return;
                }
                case NEW -> { }
            }
        }
        byte[] payload = Arrays.copyOfRange(b, body + 5, len);
        String addr = sender.getAddress().getHostAddress();
        String clientId = c != null ? c.clientId : addr;
        Envelope e = new Envelope(clientId, topic, payload, Protocols.MQTT_SN, "1.2", qos,
                System.currentTimeMillis() * 1_000_000L, null, List.of(), addr + ":" + sender.getPort());
        int weight = e.weightBytes();
        if (!budget.tryAcquire(weight)) {
            stats.count("budget_spent");
            if (qos == 1 && c != null) {
                c.settle(fingerprint, false);
            }
            if (qos == 1) {
                reply.accept(sender, packet(PUBACK, hi(topicId), lo(topicId), hi(msgId), lo(msgId), RC_CONGESTION));
            }
            return;
        }
        stats.publishesSubmitted.increment();
        ingest.submit(e).whenComplete((d, t) -> {
            budget.release(weight);
            boolean ok = t == null && d != null && d.delivered();
            if (!ok) {
                stats.deliveryFailures.increment();
            }
            if (qos == 1) {
                c.settle(fingerprint, ok);
                reply.accept(sender, packet(PUBACK, hi(topicId), lo(topicId), hi(msgId), lo(msgId),
                        ok ? RC_ACCEPTED : RC_CONGESTION));
            }
        });
    }

    static int u16(byte[] b, int i) {
        return ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
    }

    private static int hi(int v) {
        return (v >> 8) & 0xff;
    }

    private static int lo(int v) {
        return v & 0xff;
    }

    static byte[] packet(int type, int... body) {
        byte[] out = new byte[2 + body.length];
        out[0] = (byte) out.length;
        out[1] = (byte) type;
        for (int i = 0; i < body.length; i++) {
            out[2 + i] = (byte) body[i];
        }
        return out;
    }
}
