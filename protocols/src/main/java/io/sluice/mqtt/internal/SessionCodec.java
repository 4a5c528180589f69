package io.sluice.mqtt.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Compact, versioned binary form of a {@link SessionState} for the sessions topic (a few dozen bytes per session,
 * so millions of offline sessions stay cheap). Layout v1: version byte, client id, protocol level byte, expiry
 * (long), disconnected-at (long), subscription count (int), then per subscription: filter, options byte.
 * Strings are modified UTF-8 as written by {@link DataOutputStream#writeUTF}.
 */
public final class SessionCodec {
    private static final byte V1 = 1;

    private SessionCodec() {
    }

    public static byte[] encode(SessionState s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(48 + s.clientId().length());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(V1);
            out.writeUTF(s.clientId());
            out.writeByte(s.protocolLevel());
            out.writeLong(s.expirySeconds());
            out.writeLong(s.disconnectedAtMillis());
            out.writeInt(s.subscriptions().size());
            for (Map.Entry<String, Integer> e : s.subscriptions().entrySet()) {
                out.writeUTF(e.getKey());
                out.writeByte(e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** @throws IllegalArgumentException for bytes that are not a session of a known version */
    public static SessionState decode(byte[] data) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data))) {
            byte version = in.readByte();
            if (version != V1) {
                throw new IllegalArgumentException("unknown session encoding version " + version);
            }
            String clientId = in.readUTF();
            int level = in.readUnsignedByte();
            long expiry = in.readLong();
            long disconnectedAt = in.readLong();
            int n = in.readInt();
            if (n < 0 || n > 100_000) {
                throw new IllegalArgumentException("implausible subscription count " + n);
            }
            Map<String, Integer> subs = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                subs.put(in.readUTF(), in.readUnsignedByte());
            }
            return new SessionState(clientId, level, expiry, disconnectedAt, subs);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated session record", e);
        }
    }
}
