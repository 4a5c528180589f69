package io.sluice.mqtt.internal;

import io.sluice.ingest.Envelope;
import io.sluice.security.Identity;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An MQTT 5 will waiting out its Will Delay Interval as the sessions topic keeps it, so that a node that restarts
 * within the delay still publishes it ({@link DelayedWills}): what the publish needs (the will with its properties,
 * its retain flag, the protocol version and the identity its readings record carries), when it is due, and the node
 * whose connection left it (only that node re-arms it after a restart; "" for unknown).
 *
 * <p>One record per persistent session under a key of its own ({@link #key}): written when the will starts waiting,
 * deleted when it is published or cancelled. Its size is bounded by the CONNECT it came in
 * ({@code mqtt.max_packet_size_bytes}) plus a few dozen bytes.
 *
 * <p>Layout v1, big-endian: version byte 1, due (epoch ms, long), delay (seconds, long), QoS (byte), flags (byte;
 * bit 0: retain), message expiry (seconds, long), payload format (int, -1 for none), then the topic, protocol
 * version, content type, response topic, identity name and identity method as strings, the correlation data and the
 * payload as byte strings, the user properties (int count, then name and value strings), then the node id (string). A string or byte string
 * is an int length (-1 for null) and its bytes (strings UTF-8). Decoding trusts nothing: every length is checked
 * against the bytes left, strings must be well-formed UTF-8 and the protocol version one a connection reports, so a
 * will that decodes encodes to the bytes it came from ({@code StoredWillFuzzTest}).
 *
 * <p>Immutable and thread-safe (the arrays it holds are never changed).
 */
record StoredWill(Packets.Will will, boolean retain, String protocolVersion, Identity identity, long dueAtMillis,
                  String node) {
    private static final byte V1 = 1;
    private static final String KEY_SUFFIX = "\u0000will";
    /** The protocol versions a connection reports ({@code Connection.version()}); no other is read back. */
    private static final java.util.Set<String> VERSIONS = java.util.Set.of("3.1", "3.1.1", "5");

    StoredWill {
        java.util.Objects.requireNonNull(will, "will");
        java.util.Objects.requireNonNull(protocolVersion, "protocolVersion");
        java.util.Objects.requireNonNull(identity, "identity");
        node = node == null ? "" : node;
    }

    /** A will of this node (node id unknown: ""). */
    StoredWill(Packets.Will will, boolean retain, String protocolVersion, Identity identity, long dueAtMillis) {
        this(will, retain, protocolVersion, identity, dueAtMillis, "");
    }

    /**
     * The sessions-topic key of {@code clientId}'s waiting will: the client id, a NUL (which no MQTT string holds
     * [MQTT-1.5.4-2]) and {@code will}. It equals no session's key, nor any other record's of a session.
     */
    static String key(String clientId) {
        return clientId + KEY_SUFFIX;
    }

    static boolean isKey(String key) {
        return key.endsWith(KEY_SUFFIX);
    }

    static String clientIdOf(String key) {
        return key.substring(0, key.length() - KEY_SUFFIX.length());
    }

    byte[] encode() {
        Packets.Forwarded f = will.forwarded();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + will.payload().length);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(V1);
            out.writeLong(dueAtMillis);
            out.writeLong(will.delaySeconds());
            out.writeByte(will.qos());
            out.writeByte(retain ? 1 : 0);
            out.writeLong(f.expirySeconds());
            out.writeInt(f.payloadFormat());
            string(out, will.topic());
            string(out, protocolVersion);
            string(out, will.contentType());
            string(out, f.responseTopic());
            string(out, identity.name());
            string(out, identity.method().name());
            bytes(out, f.correlationData());
            bytes(out, will.payload());
            out.writeInt(will.userProperties().size());
            for (Envelope.UserProperty p : will.userProperties()) {
                string(out, p.name());
                string(out, p.value());
            }
            string(out, node);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
        }
        return bytes.toByteArray();
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        bytes(out, s == null ? null : s.getBytes(StandardCharsets.UTF_8));
    }

    private static void bytes(DataOutputStream out, byte[] b) throws IOException {
        if (b == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(b.length);
            out.write(b);
        }
    }

    /** @throws IllegalArgumentException for bytes that are not a stored will of a known version */
    static StoredWill decode(byte[] data) {
        try {
            return read(ByteBuffer.wrap(data));
        } catch (java.nio.BufferUnderflowException | NullPointerException e) {
            throw new IllegalArgumentException("stored will of " + (data == null ? 0 : data.length)
                    + " bytes is truncated");
        }
    }

    private static StoredWill read(ByteBuffer b) {
        byte version = b.get();
        if (version != V1) {
            throw new IllegalArgumentException("unknown stored will version " + version);
        }
        long due = b.getLong();
        long delay = b.getLong();
        int qos = b.get();
        int flags = b.get();
        long expiry = b.getLong();
        int payloadFormat = b.getInt();
        if (qos < 0 || qos > 2 || (flags & ~1) != 0 || delay < 0 || expiry < 0 || payloadFormat < -1
                || payloadFormat > 1) {
            throw new IllegalArgumentException("stored will: QoS " + qos + ", flags " + flags + ", delay " + delay
                    + ", expiry " + expiry + ", payload format " + payloadFormat);
        }
        String topic = string(b);
        String protocolVersion = string(b);
        String contentType = string(b);
        String responseTopic = string(b);
        String identityName = string(b);
        String method = string(b);
        byte[] correlation = bytes(b);
        byte[] payload = bytes(b);
        int n = b.getInt();
        if (topic == null || !VERSIONS.contains(protocolVersion) || identityName == null || method == null
                || payload == null || n < 0 || n > b.remaining() / 8) {
            throw new IllegalArgumentException("stored will: a required field is missing, protocol version "
                    + (protocolVersion == null ? "none" : "'" + protocolVersion + "'") + " or " + n
                    + " user properties in " + b.remaining() + " bytes");
        }
        List<Envelope.UserProperty> props = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String name = string(b);
            String value = string(b);
            if (name == null || value == null) {
                throw new IllegalArgumentException("stored will: user property " + i + " without name or value");
            }
            props.add(new Envelope.UserProperty(name, value));
        }
        String node = string(b);
        if (node == null) {
            throw new IllegalArgumentException("stored will: no node");
        }
        if (b.hasRemaining()) {
            throw new IllegalArgumentException("stored will: " + b.remaining() + " bytes after its end");
        }
        Identity identity;
        try {
            identity = new Identity(identityName, Identity.Method.valueOf(method));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("stored will: identity '" + identityName + "' by " + method);
        }
        Packets.Will will = new Packets.Will(topic, payload, qos, delay, contentType, props,
                new Packets.Forwarded(expiry, payloadFormat, responseTopic, correlation));
        return new StoredWill(will, (flags & 1) != 0, protocolVersion, identity, due, node);
    }

    /** A string field; malformed UTF-8 is refused, not replaced, so a decoded will is the one that was written. */
    private static String string(ByteBuffer b) {
        byte[] bytes = bytes(b);
        if (bytes == null) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("stored will: a string of " + bytes.length
                    + " bytes is not valid UTF-8");
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        int length = b.getInt();
        if (length == -1) {
            return null;
        }
        if (length < 0 || length > b.remaining()) {
            throw new IllegalArgumentException("stored will: a field of " + length + " bytes with " + b.remaining()
                    + " left");
        }
        byte[] out = new byte[length];
        b.get(out);
        return out;
    }
}
