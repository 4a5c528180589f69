package io.sluice.udp.internal;

import io.sluice.ingest.Delivery;
import io.sluice.ingest.Envelope;
import io.sluice.ingest.InflightBudget;
import io.sluice.ingest.Ingest;
import io.sluice.ingest.Protocols;
import io.sluice.udp.MqttSnStats;
import io.sluice.udp.MqttSnConfig;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * The MQTT-SN 1.2 protocol state, independent of Netty: {@link #onDatagram} takes one datagram's bytes and
 * answers through {@code reply} (which may be called later, on any thread, for PUBACK after delivery). Never
 * throws on any input: a malformed datagram is counted as "malformed" and dropped.
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
    /** Which client speaks from which address now. */
    private final Map<Object, SnClient> byAddress = new ConcurrentHashMap<>();

    /**
     * Per-client state: registered topics, QoS 1 msg ids in flight and recently delivered (for duplicate
     * detection). Guarded by its own monitor.
     */
    static final class SnClient {
        // Kept small for millions of sleeping sensors: arrays allocated on first use, no boxed maps.
        private static final int[] NONE = new int[0];
        private static final String[] NO_TOPICS = new String[0];
        private static final int RECENT = 16;
        /** Registered topics one client may hold: bounds what a client can make the gateway keep. */
        static final int MAX_TOPICS_PER_CLIENT = 256;
        final String clientId;
        /** Registered topic names; topic id i+1 is {@code topics[i]} (ids are handed out in order). */
        String[] topics = NO_TOPICS;
        /** Recently delivered QoS 1 msg ids (u16), as chars; null until the first delivery. */
        char[] recentIds;
        int[] inflight = NONE;
        byte recentPos;
        byte recentCount;
        volatile long lastSeen;
        /** The key of the address it speaks from now ({@link #key}). */
        volatile Object address;

        SnClient(String clientId, long now) {
            this.clientId = clientId;
            this.lastSeen = now;
        }

        /** The topic id of {@code name}, registering it if new. */
        int register(String name) {
            for (int i = 0; i < topics.length; i++) {
                if (topics[i].equals(name)) {
                    return i + 1;
                }
            }
            if (topics.length >= MAX_TOPICS_PER_CLIENT) {
                return 0;
            }
            topics = Arrays.copyOf(topics, topics.length + 1);
            topics[topics.length - 1] = name;
            return topics.length;
        }

        /** The registered topic of {@code topicId}, or null. */
        String topic(int topicId) {
            return topicId >= 1 && topicId <= topics.length ? topics[topicId - 1] : null;
        }

        boolean seen(int msgId) {
            if (recentIds == null) {
                return false;
            }
            for (int i = 0; i < recentCount; i++) {
                if (recentIds[i] == msgId) {
                    return true;
                }
            }
            return false;
        }

        void remember(int msgId) {
            if (recentIds == null) {
                recentIds = new char[RECENT];
            }
            recentIds[recentPos] = (char) msgId;
            recentPos = (byte) ((recentPos + 1) % RECENT);
            if (recentCount < RECENT) {
                recentCount++;
            }
        }

        boolean isInflight(int msgId) {
            for (int id : inflight) {
                if (id == msgId) {
                    return true;
                }
            }
            return false;
        }

        void addInflight(int msgId) {
            int[] next = Arrays.copyOf(inflight, inflight.length + 1);
            next[inflight.length] = msgId;
            inflight = next;
        }

        void removeInflight(int msgId) {
            for (int i = 0; i < inflight.length; i++) {
                if (inflight[i] == msgId) {
                    int[] next = new int[inflight.length - 1];
                    System.arraycopy(inflight, 0, next, 0, i);
                    System.arraycopy(inflight, i + 1, next, i, inflight.length - i - 1);
                    inflight = next.length == 0 ? NONE : next;
                    return;
                }
            }
        }
    }

    public MqttSnCore(MqttSnConfig config, Ingest ingest, InflightBudget budget, MqttSnStats stats,
                      LongSupplier millis) {
        this.config = config;
        this.ingest = ingest;
        this.budget = budget;
        this.stats = stats;
        this.millis = millis;
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
        int before = clients.size();
        clients.values().removeIf(c -> c.lastSeen < cutoff);
        byAddress.values().removeIf(c -> c.lastSeen < cutoff);
        return before - clients.size();
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
        return clients.size();
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
                if (c != null && !c.clientId.equals(id)) {
                    byAddress.remove(key, c); // this address now speaks for another client
                }
                SnClient known = clients.get(id);
                SnClient client;
                if (known != null && (flags & 0x04) == 0) {
                    client = known; // clean session off: registered topics and duplicate detection carry over
                    client.lastSeen = now;
                } else {
                    client = new SnClient(id, now);
                    clients.put(id, client);
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
                String name = new String(b, body + 4, len - body - 4, StandardCharsets.UTF_8);
                int topicId;
                synchronized (c) {
                    topicId = c.register(name);
                }
                if (topicId == 0) {
                    stats.count("too_many_topics");
                }
                reply.accept(sender, packet(REGACK, hi(topicId), lo(topicId), hi(msgId), lo(msgId),
                        topicId == 0 ? RC_NOT_SUPPORTED : RC_ACCEPTED));
            }
            case PUBLISH -> publish(b, body, len, sender, c, reply);
            case PINGREQ -> reply.accept(sender, packet(PINGRESP));
            case DISCONNECT -> {
                if (c != null && len - body >= 2) {
                    c.lastSeen = now + u16(b, body) * 1000L; // sleeping client: keep state through its sleep
                } else if (c != null) {
                    clients.remove(c.clientId, c);
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
            synchronized (c) {
                topic = c.topic(topicId);
            }
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
        if (qos == 1 && c != null) {
            synchronized (c) {
                if (c.isInflight(msgId)) {
                    // the first copy is still on its way to the log: its PUBACK answers this one too
                    stats.count("duplicate_inflight");
                    return;
                }
                if ((flags & 0x80) != 0 && c.seen(msgId)) {
                    stats.count("duplicate");
                    reply.accept(sender, packet(PUBACK, hi(topicId), lo(topicId), hi(msgId), lo(msgId), RC_ACCEPTED));
                    return;
                }
                c.addInflight(msgId);
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
                synchronized (c) {
                    c.removeInflight(msgId);
                }
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
                synchronized (c) {
                    c.removeInflight(msgId);
                    if (ok) {
                        c.remember(msgId);
                    }
                }
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
