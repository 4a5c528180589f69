package io.sluice.mqtt.internal.outbound;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The outbound QoS 2 state of one persistent session as the sessions topic keeps it, so that a restart of the node
 * resends a copy that was in flight with the packet id the client knows (docs/DELIVERY.md, "QoS 2 across a
 * restart"): the QoS 2 copies sent and not finished, each with its delivery position, packet id and whether the
 * client's PUBREC came (then PUBREL is what is sent again), and {@code doneBefore}: every QoS 2 copy of this session
 * at a position below it that is not among the entries is finished.
 *
 * <p>One record per session under a key of its own ({@link #key}), rewritten whole: it holds at most the session's
 * window of entries (Receive Maximum / {@code delivery.max_inflight_per_session}), 11 bytes each, so a write is
 * small, and the session's own record (written by connections on other paths) never carries a stale copy of it.
 *
 * <p>Positions are offsets in one node's delivery partition, so the record names that node: another node (a session
 * that moved) does not apply it.
 *
 * <p>Layout v1: version byte 1, node id (unsigned short UTF-8 length, then the bytes), doneBefore (long), entry
 * count (unsigned short), then per entry: position (long), packet id (unsigned short), flags (byte; bit 0:
 * released); big-endian. Decoding trusts nothing: lengths and counts are checked against the bytes, packet ids must
 * be 1-65,535 and distinct, positions not negative.
 *
 * <p>Immutable and thread-safe.
 */
public record InflightRecord(String nodeId, long doneBefore, List<Entry> entries) {
    private static final byte V1 = 1;
    private static final String KEY_SUFFIX = "\u0000outbound";
    private static final int HEADER_BYTES = 1 + 2 + 8 + 2;
    /** Bytes of one entry in the record. */
    static final int ENTRY_BYTES = 8 + 2 + 1;

    /** One QoS 2 copy on its way: the message at {@code position}, sent with {@code packetId}. */
    public record Entry(long position, int packetId, boolean released) {
    }

    public InflightRecord {
        java.util.Objects.requireNonNull(nodeId, "nodeId");
        entries = List.copyOf(entries);
    }

    /**
     * The sessions-topic key of {@code clientId}'s record: the client id, a NUL (which no MQTT string holds
     * [MQTT-1.5.4-2]) and {@code outbound}. It equals neither a session's key nor a remembered inbound packet id's.
     */
    public static String key(String clientId) {
        return clientId + KEY_SUFFIX;
    }

    /** True for the key of an outbound record. */
    public static boolean isKey(String key) {
        return key.endsWith(KEY_SUFFIX);
    }

    /** The client id of an outbound record's key. */
    public static String clientIdOf(String key) {
        return key.substring(0, key.length() - KEY_SUFFIX.length());
    }

    public byte[] encode() {
        byte[] node = nodeId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + node.length + entries.size() * ENTRY_BYTES);
        b.put(V1).putShort((short) node.length).put(node).putLong(doneBefore).putShort((short) entries.size());
        for (Entry e : entries) {
            b.putLong(e.position).putShort((short) e.packetId).put((byte) (e.released ? 1 : 0));
        }
        return b.array();
    }

    /** @throws IllegalArgumentException for bytes that are not a record of a known version */
    public static InflightRecord decode(byte[] data) {
        if (data == null || data.length < HEADER_BYTES) {
            throw new IllegalArgumentException("outbound record of " + (data == null ? 0 : data.length) + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(data);
        byte version = b.get();
        if (version != V1) {
            throw new IllegalArgumentException("unknown outbound record version " + version);
        }
        int nodeLength = Short.toUnsignedInt(b.getShort());
        if (nodeLength > b.remaining() - 10) {
            throw new IllegalArgumentException("outbound record: node id of " + nodeLength + " bytes with "
                    + b.remaining() + " left");
        }
        byte[] node = new byte[nodeLength];
        b.get(node);
        long doneBefore = b.getLong();
        int n = Short.toUnsignedInt(b.getShort());
        if (doneBefore < 0 || b.remaining() != n * ENTRY_BYTES) {
            throw new IllegalArgumentException("outbound record: " + n + " entries in " + b.remaining()
                    + " bytes, doneBefore " + doneBefore);
        }
        List<Entry> entries = new ArrayList<>(n);
        java.util.BitSet ids = new java.util.BitSet(65_536);
        for (int i = 0; i < n; i++) {
            long position = b.getLong();
            int id = Short.toUnsignedInt(b.getShort());
            int flags = b.get();
            if (position < 0 || id == 0 || ids.get(id) || (flags & ~1) != 0) {
                throw new IllegalArgumentException("outbound record entry " + i + ": position " + position
                        + ", packet id " + id + ", flags " + flags);
            }
            ids.set(id);
            entries.add(new Entry(position, id, (flags & 1) != 0));
        }
        return new InflightRecord(new String(node, java.nio.charset.StandardCharsets.UTF_8), doneBefore, entries);
    }
}
