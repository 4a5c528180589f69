package io.sluice.mqtt.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Compact, versioned binary form of a {@link SessionState} for the sessions topic (a few dozen bytes per session,
 * so millions of offline sessions stay cheap).
 *
 * <p>Layout v2 (written): version byte 2, client id, protocol level byte, expiry (long), disconnected-at (long),
 * subscription count (int), then per subscription: filter, options byte. A string is its UTF-8 length as an
 * unsigned varint, then its UTF-8 bytes, so any string an MQTT packet can carry fits (v1 used
 * {@link DataOutputStream#writeUTF}, whose modified UTF-8 overflows its 65,535-byte limit for long filters made of
 * supplementary characters).
 *
 * <p>Layout v3 (written when a subscription has an MQTT 5 subscription identifier): as v2, with each subscription's
 * identifier after its options byte, as an unsigned varint (0 for none). Sessions without identifiers are still
 * written as v2, byte for byte as before.
 *
 * <p>Layout v4 (written when the session names its node, as every node does now): as v3 (every subscription with
 * its identifier varint), then the node id as a string. Records of v1 to v3 decode with node "" (unknown).
 *
 * <p>Layout v1 (still read): the same fields with strings as written by {@code writeUTF}.
 *
 * <p>Decoding reads the sessions topic, which anyone with write access to it can fill, so it trusts no length:
 * every length and count is checked against the bytes left before anything is allocated, and the work is linear in
 * the input. Stateless and thread-safe.
 */
public final class SessionCodec {
    private static final byte V1 = 1;
    private static final byte V2 = 2;
    private static final byte V3 = 3;
    private static final byte V4 = 4;
    /** Node ids seen, shared by every session naming them (a fleet has a few; the cap bounds what records add). */
    private static final int MAX_SHARED_NODE_IDS = 1_000;
    private static final java.util.concurrent.ConcurrentHashMap<String, String> NODE_IDS =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** Fewest bytes one encoded subscription takes (v2: a 1-byte length and the options byte; v1: 3). */
    private static final int MIN_SUBSCRIPTION_BYTES = 2;

    private SessionCodec() {
    }

    public static byte[] encode(SessionState s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(48 + s.clientId().length());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            boolean node = !s.node().isEmpty();
            boolean ids = node || !s.subscriptionIds().isEmpty();
            out.writeByte(node ? V4 : ids ? V3 : V2);
            writeString(out, s.clientId());
            out.writeByte(s.protocolLevel());
            out.writeLong(s.expirySeconds());
            out.writeLong(s.disconnectedAtMillis());
            out.writeInt(s.subscriptions().size());
            for (Map.Entry<String, Integer> e : s.subscriptions().entrySet()) {
                writeString(out, e.getKey());
                out.writeByte(e.getValue());
                if (ids) {
                    writeVarInt(out, s.subscriptionIds().getOrDefault(e.getKey(), 0));
                }
            }
            if (node) {
                writeString(out, s.node());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** @throws IllegalArgumentException for bytes that are not a session of a known version */
    public static SessionState decode(byte[] data) {
        if (data == null || data.length == 0) {
            throw new IllegalArgumentException("empty session record");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            byte version = in.readByte();
            if (version < V1 || version > V4) {
                throw new IllegalArgumentException("unknown session encoding version " + version);
            }
            String clientId = readString(in, version);
            int level = in.readUnsignedByte();
            long expiry = in.readLong();
            long disconnectedAt = in.readLong();
            int n = in.readInt();
            // each subscription takes at least MIN_SUBSCRIPTION_BYTES, so a count beyond what is left is a lie
            if (n < 0 || (long) n * MIN_SUBSCRIPTION_BYTES > in.available()) {
                throw new IllegalArgumentException("implausible subscription count " + n + " for "
                        + in.available() + " bytes left");
            }
            Map<String, Integer> subs = new LinkedHashMap<>();
            Map<String, Integer> ids = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                String filter = readString(in, version);
                subs.put(filter, in.readUnsignedByte());
                if (version >= V3) {
                    int id = readVarInt(in);
                    if (id < 0 || id > 268_435_455) {
                        throw new IllegalArgumentException("subscription identifier " + id + " out of range");
                    }
                    if (id > 0) {
                        ids.put(filter, id);
                    }
                }
            }
            String node = version == V4 ? shared(readString(in, version)) : "";
            if (in.available() > 0) {
                throw new IllegalArgumentException(in.available() + " unexpected bytes after the session");
            }
            return new SessionState(clientId, level, expiry, disconnectedAt, subs, ids, node);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated session record", e);
        }
    }

    /** One instance per node id for the first {@value #MAX_SHARED_NODE_IDS} ids seen; later ones as they come. */
    private static String shared(String node) {
        String known = NODE_IDS.get(node);
        if (known != null) {
            return known;
        }
        if (NODE_IDS.size() >= MAX_SHARED_NODE_IDS) {
            return node;
        }
        known = NODE_IDS.putIfAbsent(node, node);
        return known == null ? node : known;
    }

    /** Separates a client id from a remembered packet id in a key; an MQTT string never holds it [MQTT-1.5.4-2]. */
    private static final char KEY_SEPARATOR = '\u0000';
    private static final byte EXACTLY_ONCE_V1 = 1;

    /**
     * The sessions-topic key under which one QoS 2 packet id of {@code clientId} is remembered until its PUBREL: a
     * record of its own per packet id, so a PUBLISH's transaction and a PUBREL's tombstone each touch only their own
     * id and no write can carry a stale copy of the others. It never equals a session's key (a client id).
     */
    public static String exactlyOnceKey(String clientId, int packetId) {
        return clientId + KEY_SEPARATOR + packetId;
    }

    /** The value of an {@link #exactlyOnceKey} record: version 1, then the packet id (2 bytes). */
    public static byte[] encodeExactlyOnce(int packetId) {
        return new byte[] {EXACTLY_ONCE_V1, (byte) (packetId >>> 8), (byte) packetId};
    }

    /** A remembered QoS 2 packet id read back from the sessions topic. */
    record RememberedId(String clientId, int packetId) {
    }

    /** True for the key of a remembered packet id, false for a session's key. */
    static boolean isExactlyOnceKey(String key) {
        return key.indexOf(KEY_SEPARATOR) >= 0;
    }

    /** @throws IllegalArgumentException when key and value are not a remembered packet id */
    static RememberedId decodeExactlyOnce(String key, byte[] value) {
        int at = key.lastIndexOf(KEY_SEPARATOR);
        if (at < 0 || value == null || value.length != 3 || value[0] != EXACTLY_ONCE_V1) {
            throw new IllegalArgumentException("not a remembered QoS 2 packet id");
        }
        int id = ((value[1] & 0xff) << 8) | (value[2] & 0xff);
        if (id == 0 || !key.substring(at + 1).equals(Integer.toString(id))) {
            throw new IllegalArgumentException("remembered QoS 2 packet id " + id + " does not match its key");
        }
        return new RememberedId(key.substring(0, at), id);
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        writeVarInt(out, utf8.length);
        out.write(utf8);
    }

    private static void writeVarInt(DataOutputStream out, int n) throws IOException {
        while ((n & ~0x7F) != 0) {
            out.writeByte((n & 0x7F) | 0x80);
            n >>>= 7;
        }
        out.writeByte(n);
    }

    /** An unsigned varint of at most 5 bytes; may come out negative (above 2^31), which callers refuse. */
    private static int readVarInt(DataInputStream in) throws IOException {
        int value = 0;
        for (int shift = 0; ; shift += 7) {
            if (shift > 28) {
                throw new IllegalArgumentException("varint longer than 5 bytes");
            }
            int b = in.readUnsignedByte();
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
    }

    private static String readString(DataInputStream in, byte version) throws IOException {
        if (version == V1) {
            // its 2-byte length bounds it to 65,535 bytes, and EOF ends it; modified UTF-8 can carry lone
            // surrogates, which no MQTT string holds and standard UTF-8 (v2) cannot store: refuse them here
            return wellFormed(in.readUTF());
        }
        int length = readVarInt(in);
        if (length < 0 || length > in.available()) {
            throw new IllegalArgumentException("string of " + Integer.toUnsignedString(length) + " bytes with "
                    + in.available() + " bytes left");
        }
        byte[] utf8 = in.readNBytes(length);
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(utf8));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("string is not valid UTF-8", e);
        }
    }

    /** {@code s} when every surrogate in it is half of a pair, else IllegalArgumentException. */
    private static String wellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException("string holds an unpaired surrogate at " + i);
            }
        }
        return s;
    }
}
