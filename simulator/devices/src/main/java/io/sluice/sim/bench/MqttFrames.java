package io.sluice.sim.bench;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Raw MQTT 3.1.1 and 5 frames, built byte by byte so the fuzzer can send what no client library would: any packet
 * type, flags, remaining length, UTF-8 string bytes and property set. Stateless; every method returns a new array.
 */
final class MqttFrames {
    static final int CONNECT = 1, CONNACK = 2, PUBLISH = 3, PUBACK = 4, PUBREC = 5, PUBREL = 6, PUBCOMP = 7,
            SUBSCRIBE = 8, SUBACK = 9, UNSUBSCRIBE = 10, UNSUBACK = 11, PINGREQ = 12, PINGRESP = 13, DISCONNECT = 14,
            AUTH = 15;

    private MqttFrames() {
    }

    /** A growable buffer with MQTT's encodings. */
    static final class Buf {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Buf u8(int v) {
            out.write(v);
            return this;
        }

        Buf u16(int v) {
            out.write(v >>> 8);
            out.write(v);
            return this;
        }

        Buf u32(long v) {
            return u16((int) (v >>> 16)).u16((int) v);
        }

        Buf bytes(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        /** A two-byte length and the bytes as given (which may be invalid UTF-8 on purpose). */
        Buf str(byte[] b) {
            return u16(b.length).bytes(b);
        }

        Buf str(String s) {
            return str(s.getBytes(StandardCharsets.UTF_8));
        }

        Buf varint(long v) {
            do {
                int digit = (int) (v % 128);
                v /= 128;
                out.write(v > 0 ? digit | 0x80 : digit);
            } while (v > 0);
            return this;
        }

        int size() {
            return out.size();
        }

        byte[] array() {
            return out.toByteArray();
        }
    }

    /** A frame: the fixed header with the true remaining length, then {@code body}. */
    static byte[] frame(int type, int flags, byte[] body) {
        return new Buf().u8(type << 4 | (flags & 0x0F)).varint(body.length).bytes(body).array();
    }

    /**
     * A CONNECT: protocol level 4 (3.1.1) or 5, clean start as given, keep-alive, client id; MQTT 5 with the given
     * properties (already encoded, without their length).
     */
    static byte[] connect(int version, boolean cleanStart, int keepAlive, byte[] clientId, byte[] properties) {
        Buf b = new Buf().str("MQTT").u8(version == 5 ? 5 : 4).u8(cleanStart ? 0x02 : 0x00).u16(keepAlive);
        if (version == 5) {
            b.varint(properties.length).bytes(properties);
        }
        b.str(clientId);
        return frame(CONNECT, 0, b.array());
    }

    /** A PUBLISH at QoS 0 or 1 (packet id used at QoS 1); MQTT 5 with the given properties. */
    static byte[] publish(int version, int qos, boolean dup, boolean retain, byte[] topic, int packetId,
                          byte[] properties, byte[] payload) {
        Buf b = new Buf().str(topic);
        if (qos > 0) {
            b.u16(packetId);
        }
        if (version == 5) {
            b.varint(properties.length).bytes(properties);
        }
        b.bytes(payload);
        return frame(PUBLISH, (dup ? 8 : 0) | (qos & 3) << 1 | (retain ? 1 : 0), b.array());
    }

    /** SUBSCRIBE with one options byte per filter. */
    static byte[] subscribe(int version, int packetId, byte[][] filters, int options) {
        Buf b = new Buf().u16(packetId);
        if (version == 5) {
            b.varint(0);
        }
        for (byte[] f : filters) {
            b.str(f).u8(options);
        }
        return frame(SUBSCRIBE, 2, b.array());
    }

    static byte[] unsubscribe(int version, int packetId, byte[] filter) {
        Buf b = new Buf().u16(packetId);
        if (version == 5) {
            b.varint(0);
        }
        return frame(UNSUBSCRIBE, 2, b.str(filter).array());
    }

    /** PUBACK, PUBREC, PUBREL or PUBCOMP with a packet id (and for MQTT 5 a reason code). */
    static byte[] ack(int type, int version, int packetId, int reason) {
        Buf b = new Buf().u16(packetId);
        if (version == 5) {
            b.u8(reason);
        }
        return frame(type, type == PUBREL ? 2 : 0, b.array());
    }

    static byte[] pingreq() {
        return new byte[] {(byte) 0xC0, 0};
    }

    static byte[] disconnect(int version, int reason) {
        return version == 5 ? frame(DISCONNECT, 0, new byte[] {(byte) reason, 0}) : new byte[] {(byte) 0xE0, 0};
    }

    /** MQTT 5 properties, encoded back to back (the caller adds the length). */
    static final class Props {
        private final Buf b = new Buf();

        Props userProperty(byte[] key, byte[] value) {
            b.u8(0x26).str(key).str(value);
            return this;
        }

        Props contentType(byte[] value) {
            b.u8(0x03).str(value);
            return this;
        }

        Props sessionExpiry(long seconds) {
            b.u8(0x11).u32(seconds);
            return this;
        }

        Props receiveMaximum(int v) {
            b.u8(0x21).u16(v);
            return this;
        }

        Props topicAlias(int v) {
            b.u8(0x23).u16(v);
            return this;
        }

        Props maximumPacketSize(long v) {
            b.u8(0x27).u32(v);
            return this;
        }

        Props responseTopic(byte[] v) {
            b.u8(0x08).str(v);
            return this;
        }

        Props correlationData(byte[] v) {
            b.u8(0x09).str(v);
            return this;
        }

        Props subscriptionId(long v) {
            b.u8(0x0B).varint(v);
            return this;
        }

        Props payloadFormat(int v) {
            b.u8(0x01).u8(v);
            return this;
        }

        /** Any property id with a raw value: unknown ids, ids not allowed in this packet, duplicates. */
        Props raw(int id, byte[] value) {
            b.u8(id).bytes(value);
            return this;
        }

        int size() {
            return b.size();
        }

        byte[] array() {
            return b.array();
        }
    }
}
