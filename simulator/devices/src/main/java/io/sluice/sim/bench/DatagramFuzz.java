package io.sluice.sim.bench;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * UDP fuzz cases, each sent from one fresh socket (its own source port, so the gateway sees a new client): MQTT-SN
 * 1.2 sequences (CONNECT, REGISTER, PUBLISH of every QoS and topic id type, and the rest) valid, mutated, truncated,
 * with wrong length fields, out of order or as random bytes; and line-protocol datagrams (valid, mutated, bad
 * escapes and numbers, invalid UTF-8, thousands of lines, random bytes). Stateless.
 */
final class DatagramFuzz {
    private static final int SN_CONNECT = 0x04, SN_REGISTER = 0x0A, SN_PUBLISH = 0x0C, SN_PUBACK = 0x0D,
            SN_SUBSCRIBE = 0x12, SN_PINGREQ = 0x16, SN_DISCONNECT = 0x18, SN_SEARCHGW = 0x01, SN_WILLTOPIC = 0x07,
            SN_PUBREL = 0x10, SN_REGACK = 0x0B;

    private DatagramFuzz() {
    }

    /** An MQTT-SN frame: one length byte (or 0x01 and two bytes from 256 on), the type, the body. */
    static byte[] snFrame(int type, byte[] body) {
        int len = body.length + 2;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (len < 256) {
            out.write(len);
        } else {
            out.write(1);
            out.write((len + 2) >>> 8);
            out.write(len + 2);
        }
        out.write(type);
        out.writeBytes(body);
        return out.toByteArray();
    }

    static FuzzCase mqttSn(SplittableRandom r) {
        List<byte[]> frames = valid(r);
        String kind;
        switch (r.nextInt(6)) {
            case 0 -> {
                kind = "valid";
            }
            case 1, 2 -> {
                kind = "mutated";
                int i = r.nextInt(frames.size());
                frames.set(i, Mutations.mutate(r, frames.get(i)));
            }
            case 3 -> {
                kind = "bad-length";
                int i = r.nextInt(frames.size());
                byte[] f = frames.get(i).clone();
                f[0] = (byte) (r.nextBoolean() ? r.nextInt(256) : 1); // a length that lies, or the 3-byte form cut
                frames.set(i, f);
            }
            case 4 -> {
                kind = "out-of-order";
                java.util.Collections.shuffle(frames, new java.util.Random(r.nextLong()));
                frames.add(snFrame(r.nextBoolean() ? SN_PUBREL : SN_REGACK, new byte[] {0, 1, 0, 1, 0}));
            }
            default -> {
                kind = "random";
                frames = List.of(Mutations.randomBytes(r, 1 + r.nextInt(600)));
            }
        }
        return new FuzzCase(FuzzCase.Transport.MQTT_SN, kind, frames, frames.size(), false);
    }

    /** CONNECT, REGISTER, PUBLISH QoS 1 and a few more a client might send. */
    private static List<byte[]> valid(SplittableRandom r) {
        List<byte[]> frames = new ArrayList<>();
        byte[] id = ("fz" + Integer.toString(r.nextInt(1 << 24), 36)).getBytes(StandardCharsets.UTF_8);
        frames.add(snFrame(SN_CONNECT, new MqttFrames.Buf().u8(r.nextBoolean() ? 0x04 : 0x00).u8(0x01)
                .u16(r.nextInt(65536)).bytes(id).array()));
        int topicId = 1 + r.nextInt(3);
        int msgId = 1 + r.nextInt(65535);
        byte[] topic = ("fz/" + Mutations.device(r) + "/t" + (r.nextInt(4) == 0 ? "x".repeat(r.nextInt(2000)) : ""))
                .getBytes(StandardCharsets.UTF_8);
        frames.add(snFrame(SN_REGISTER, new MqttFrames.Buf().u16(0).u16(msgId).bytes(topic).array()));
        int n = 1 + r.nextInt(4);
        for (int k = 0; k < n; k++) {
            int qos = r.nextInt(4); // 3 is QoS -1
            int idType = r.nextInt(3);
            int flags = (r.nextInt(8) == 0 ? 0x80 : 0) | qos << 5 | idType;
            byte[] data = r.nextInt(6) == 0 ? java.util.Arrays.copyOf(Mutations.payload(r), 1000)
                    : ("{\"temp\":" + r.nextInt(40) + "}").getBytes(StandardCharsets.UTF_8);
            frames.add(snFrame(SN_PUBLISH, new MqttFrames.Buf().u8(flags).u16(idType == 2 ? 0x667A : topicId)
                    .u16(msgId + k).bytes(data).array()));
        }
        switch (r.nextInt(6)) {
            case 0 -> frames.add(snFrame(SN_PINGREQ, id));
            case 1 -> frames.add(snFrame(SN_SUBSCRIBE, new MqttFrames.Buf().u8(0x20).u16(msgId).bytes(topic).array()));
            case 2 -> frames.add(snFrame(SN_DISCONNECT, new MqttFrames.Buf().u16(r.nextInt(65536)).array()));
            case 3 -> frames.add(snFrame(SN_SEARCHGW, new byte[] {1}));
            case 4 -> frames.add(snFrame(SN_WILLTOPIC, new MqttFrames.Buf().u8(0x20).bytes(topic).array()));
            default -> frames.add(snFrame(SN_PUBACK, new MqttFrames.Buf().u16(topicId).u16(msgId).u8(0).array()));
        }
        return frames;
    }

    static FuzzCase line(SplittableRandom r) {
        String dev = Mutations.device(r);
        String valid = "fz_m,host=" + dev + " temp=" + r.nextInt(40) + ".5,n=" + r.nextInt(1000) + "i,s=\"ok\" "
                + (1_700_000_000_000_000_000L + r.nextInt(1_000_000)) + "\n";
        byte[] datagram;
        String kind;
        switch (r.nextInt(8)) {
            case 0 -> {
                kind = "valid";
                datagram = valid.repeat(1 + r.nextInt(20)).getBytes(StandardCharsets.UTF_8);
            }
            case 1, 2 -> {
                kind = "mutated";
                datagram = Mutations.mutate(r, valid.repeat(1 + r.nextInt(5)).getBytes(StandardCharsets.UTF_8));
            }
            case 3 -> {
                kind = "bad-values";
                String[] bad = {"fz_m temp=99999999999999999999999i", "fz_m temp=1e999", "fz_m temp=NaN",
                        "fz_m,host=a\\ b\\,c\\=d temp=\"unterminated", "fz_m,=x temp=1", "fz_m temp=1 notatime",
                        "fz_m,host=a temp=1 -9223372036854775809", ",host=a temp=1", "fz_m", "fz_m ",
                        "fz_m temp=t,temp=f,temp=1u", "fz_m,host=" + "a".repeat(r.nextInt(60_000)) + " temp=1",
                        "fz_m " + "f=1,".repeat(r.nextInt(8_000)) + "g=2"};
                datagram = bad[r.nextInt(bad.length)].getBytes(StandardCharsets.UTF_8);
            }
            case 4 -> {
                kind = "bad-utf8";
                datagram = Mutations.badUtf8(r, valid);
            }
            case 5 -> {
                kind = "many-lines";
                datagram = "fz_m v=1i\n".repeat(1 + r.nextInt(1_000)).getBytes(StandardCharsets.UTF_8);
            }
            case 6 -> {
                kind = "blank";
                datagram = (r.nextBoolean() ? "\n".repeat(r.nextInt(1000)) : "# comment\n \n").getBytes();
            }
            default -> {
                kind = "random";
                datagram = Mutations.randomBytes(r, 1 + r.nextInt(1400));
            }
        }
        if (datagram.length > 65_507) {
            datagram = java.util.Arrays.copyOf(datagram, 65_507);
        }
        return new FuzzCase(FuzzCase.Transport.LINE_UDP, kind, List.of(datagram), 1, false);
    }
}
