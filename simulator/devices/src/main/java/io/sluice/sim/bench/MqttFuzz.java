package io.sluice.sim.bench;

import static io.sluice.sim.bench.MqttFrames.AUTH;
import static io.sluice.sim.bench.MqttFrames.CONNACK;
import static io.sluice.sim.bench.MqttFrames.PINGRESP;
import static io.sluice.sim.bench.MqttFrames.PUBACK;
import static io.sluice.sim.bench.MqttFrames.PUBCOMP;
import static io.sluice.sim.bench.MqttFrames.PUBREC;
import static io.sluice.sim.bench.MqttFrames.PUBREL;
import static io.sluice.sim.bench.MqttFrames.SUBACK;
import static io.sluice.sim.bench.MqttFrames.UNSUBACK;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * MQTT 3.1.1 and 5 fuzz cases for one TCP connection each: random bytes, mutated valid sequences, truncated frames,
 * bad remaining lengths, invalid UTF-8, packets out of order or of server-only types, oversized property sets,
 * persistent-session churn, and QoS 1 PUBLISHes whose payloads attack the fan-out's decoders. Topics are under
 * {@code fz/}; client ids start with {@code fz}. Stateless.
 */
final class MqttFuzz {
    private MqttFuzz() {
    }

    static FuzzCase next(SplittableRandom r) {
        int version = r.nextBoolean() ? 5 : 3;
        int pick = r.nextInt(100);
        String kind;
        List<byte[]> frames;
        if (pick < 6) {
            kind = "random";
            frames = List.of(Mutations.randomBytes(r, 1 + r.nextInt(1024)));
        } else if (pick < 40) {
            kind = "mutated";
            frames = validSequence(r, version);
            int i = r.nextInt(frames.size());
            frames.set(i, Mutations.mutate(r, frames.get(i)));
        } else if (pick < 48) {
            kind = "truncated";
            frames = validSequence(r, version);
            byte[] last = frames.get(frames.size() - 1);
            frames.set(frames.size() - 1, java.util.Arrays.copyOf(last, r.nextInt(last.length)));
        } else if (pick < 56) {
            kind = "bad-length";
            frames = validSequence(r, version);
            int i = r.nextInt(frames.size());
            frames.set(i, badLength(r, frames.get(i)));
        } else if (pick < 64) {
            kind = "bad-utf8";
            frames = badUtf8(r, version);
        } else if (pick < 76) {
            kind = "out-of-order";
            frames = outOfOrder(r, version);
        } else if (pick < 80) {
            kind = "oversized-properties";
            frames = oversizedProperties(r);
        } else if (pick < 88) {
            kind = "session-churn";
            frames = sessionChurn(r, version);
        } else {
            kind = "qos1-payloads";
            frames = new ArrayList<>();
            frames.add(connect(r, version, true));
            int n = 5 + r.nextInt(30);
            String topic = "fz/" + Mutations.device(r) + "/t";
            for (int k = 0; k < n; k++) {
                frames.add(MqttFrames.publish(version, 1, false, false, topic.getBytes(StandardCharsets.UTF_8),
                        1 + k, new byte[0], r.nextInt(8) == 0 ? Mutations.payload(r) : reading(r)));
            }
        }
        return new FuzzCase(FuzzCase.Transport.MQTT, kind, split(r, frames), frames.size(), r.nextInt(4) == 0);
    }

    /** The frames concatenated and cut into 1 to 4 writes at random points. */
    private static List<byte[]> split(SplittableRandom r, List<byte[]> frames) {
        int total = 0;
        for (byte[] f : frames) {
            total += f.length;
        }
        byte[] all = new byte[total];
        int at = 0;
        for (byte[] f : frames) {
            System.arraycopy(f, 0, all, at, f.length);
            at += f.length;
        }
        int writes = 1 + r.nextInt(4);
        if (writes == 1 || total < 2) {
            return List.of(all);
        }
        int[] cuts = r.ints(writes - 1, 1, total).sorted().distinct().toArray();
        List<byte[]> out = new ArrayList<>();
        int from = 0;
        for (int c : cuts) {
            out.add(java.util.Arrays.copyOfRange(all, from, c));
            from = c;
        }
        out.add(java.util.Arrays.copyOfRange(all, from, total));
        return out;
    }

    private static byte[] reading(SplittableRandom r) {
        return ("{\"temp\":" + r.nextInt(40) + "." + r.nextInt(10) + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] connect(SplittableRandom r, int version, boolean clean) {
        MqttFrames.Props p = new MqttFrames.Props();
        if (version == 5) {
            switch (r.nextInt(4)) {
                case 0 -> p.receiveMaximum(1 + r.nextInt(65535));
                case 1 -> p.maximumPacketSize(1 + r.nextInt(1 << 20));
                case 2 -> p.userProperty("k".getBytes(), "v".getBytes());
                default -> {
                }
            }
        }
        return MqttFrames.connect(version, clean, r.nextInt(8) == 0 ? 0 : 1 + r.nextInt(600),
                ("fz" + Long.toString(r.nextLong() & Long.MAX_VALUE, 36)).getBytes(StandardCharsets.UTF_8), p.array());
    }

    /** A valid CONNECT and 1 to 7 valid packets a client may send after it. */
    private static List<byte[]> validSequence(SplittableRandom r, int version) {
        List<byte[]> frames = new ArrayList<>();
        frames.add(connect(r, version, r.nextInt(4) != 0));
        int n = 1 + r.nextInt(7);
        String dev = Mutations.device(r);
        for (int k = 0; k < n; k++) {
            byte[] topic = ("fz/" + dev + "/t").getBytes(StandardCharsets.UTF_8);
            frames.add(switch (r.nextInt(8)) {
                case 0, 1 -> MqttFrames.publish(version, 0, false, false, topic, 0, new byte[0], reading(r));
                case 2, 3 -> MqttFrames.publish(version, 1, r.nextBoolean(), r.nextInt(8) == 0, topic, 1 + k,
                        version == 5 ? new MqttFrames.Props().contentType("application/json".getBytes())
                                .userProperty("a".getBytes(), "b".getBytes()).array() : new byte[0], reading(r));
                case 4 -> MqttFrames.subscribe(version, 1 + k, new byte[][] {("fz/" + dev + "/#").getBytes()},
                        r.nextInt(2));
                case 5 -> MqttFrames.unsubscribe(version, 1 + k, ("fz/" + dev + "/#").getBytes());
                case 6 -> MqttFrames.pingreq();
                default -> MqttFrames.disconnect(version, 0);
            });
        }
        return frames;
    }

    /**
     * A frame with its remaining length replaced: five continuation bytes (malformed), the largest valid value
     * (268,435,455), a non-minimal encoding, or a length that is longer or shorter than the body.
     */
    private static byte[] badLength(SplittableRandom r, byte[] frame) {
        int lenBytes = 1;
        while (lenBytes < 4 && lenBytes < frame.length && (frame[lenBytes] & 0x80) != 0) {
            lenBytes++;
        }
        int bodyFrom = Math.min(frame.length, 1 + lenBytes);
        byte[] body = java.util.Arrays.copyOfRange(frame, bodyFrom, frame.length);
        MqttFrames.Buf b = new MqttFrames.Buf().u8(frame[0]);
        switch (r.nextInt(5)) {
            case 0 -> b.bytes(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F});
            case 1 -> b.varint(268_435_455);
            case 2 -> b.u8(0x80 | (body.length & 0x7F)).u8(0x80).u8(0x00); // non-minimal, wrong
            case 3 -> b.varint(body.length + 1 + r.nextInt(100_000));
            default -> b.varint(Math.max(0, body.length - 1 - r.nextInt(Math.max(1, body.length))));
        }
        return b.bytes(body).array();
    }

    private static List<byte[]> badUtf8(SplittableRandom r, int version) {
        List<byte[]> frames = new ArrayList<>();
        String dev = Mutations.device(r);
        switch (r.nextInt(5)) {
            case 0 -> frames.add(MqttFrames.connect(version, true, 60, Mutations.badUtf8(r, "fz" + dev), new byte[0]));
            case 1 -> {
                frames.add(connect(r, version, true));
                frames.add(MqttFrames.publish(version, r.nextInt(2), false, false,
                        Mutations.badUtf8(r, "fz/" + dev + "/t"), 1, new byte[0], reading(r)));
            }
            case 2 -> {
                frames.add(connect(r, version, true));
                frames.add(MqttFrames.subscribe(version, 1, new byte[][] {Mutations.badUtf8(r, "fz/" + dev + "/#")}, 1));
            }
            case 3 -> { // wildcards or an empty topic where a topic name is required
                frames.add(connect(r, version, true));
                String[] topics = {"fz/+/t", "fz/#", "", "#", "fz//t/" + "\u0000"};
                frames.add(MqttFrames.publish(version, 1, false, false,
                        topics[r.nextInt(topics.length)].getBytes(StandardCharsets.UTF_8), 1, new byte[0], reading(r)));
            }
            default -> {
                frames.add(connect(r, 5, true));
                frames.add(MqttFrames.publish(5, 1, false, false, ("fz/" + dev + "/t").getBytes(), 1,
                        new MqttFrames.Props().userProperty(Mutations.badUtf8(r, "key"), Mutations.badUtf8(r, "v"))
                                .contentType(Mutations.badUtf8(r, "text/plain")).array(), reading(r)));
            }
        }
        return frames;
    }

    /** Packets in an order or of a type a client must not send. */
    private static List<byte[]> outOfOrder(SplittableRandom r, int version) {
        List<byte[]> frames = new ArrayList<>();
        boolean connectFirst = r.nextBoolean();
        if (connectFirst) {
            frames.add(connect(r, version, true));
        }
        int n = 1 + r.nextInt(6);
        for (int k = 0; k < n; k++) {
            int id = r.nextInt(65536);
            frames.add(switch (r.nextInt(12)) {
                case 0 -> connect(r, version, r.nextBoolean()); // a second CONNECT
                case 1 -> MqttFrames.frame(CONNACK, 0, new byte[] {0, 0});
                case 2 -> MqttFrames.ack(PUBACK, version, id, 0);
                case 3 -> MqttFrames.ack(PUBREC, version, id, 0);
                case 4 -> MqttFrames.ack(PUBREL, version, id, 0);
                case 5 -> MqttFrames.ack(PUBCOMP, version, id, 0);
                case 6 -> MqttFrames.frame(SUBACK, 0, new byte[] {0, 1, 0});
                case 7 -> MqttFrames.frame(UNSUBACK, 0, new byte[] {0, 1});
                case 8 -> MqttFrames.frame(PINGRESP, 0, new byte[0]);
                case 9 -> MqttFrames.frame(AUTH, 0, new byte[] {0x18, 0}); // AUTH (3.1.1: reserved type 15)
                case 10 -> MqttFrames.frame(0, 0, new byte[] {1, 2, 3}); // reserved type 0
                default -> MqttFrames.publish(version, r.nextInt(4), r.nextBoolean(), false, "fz/x/t".getBytes(),
                        r.nextInt(2) == 0 ? 0 : id, new byte[0], reading(r)); // QoS 2 and 3, packet id 0
            });
        }
        return frames;
    }

    /**
     * MQTT 5 property sets far larger than any reading: up to ~300 KB of user properties on a 1-byte QoS 0 or 1
     * payload (over the default 256 KB packet limit sometimes), thousands of tiny ones, unknown and duplicated ids.
     */
    private static List<byte[]> oversizedProperties(SplittableRandom r) {
        List<byte[]> frames = new ArrayList<>();
        MqttFrames.Props p = new MqttFrames.Props();
        switch (r.nextInt(4)) {
            case 0 -> {
                int target = 1_000 + r.nextInt(300_000);
                byte[] value = new byte[Math.min(60_000, target)];
                java.util.Arrays.fill(value, (byte) 'v');
                while (p.size() < target) {
                    p.userProperty("k".getBytes(), value);
                }
            }
            case 1 -> {
                int n = 1_000 + r.nextInt(20_000);
                for (int i = 0; i < n; i++) {
                    p.userProperty(new byte[] {'k'}, new byte[] {'v'});
                }
            }
            case 2 -> p.contentType(new byte[60_000]).correlationData(new byte[65_535])
                    .responseTopic(new byte[60_000]).payloadFormat(1).payloadFormat(1);
            default -> p.raw(0x7F, new byte[] {1, 2, 3}).subscriptionId(268_435_455).topicAlias(0);
        }
        if (r.nextInt(4) == 0) {
            frames.add(MqttFrames.connect(5, true, 60, ("fz" + r.nextInt()).getBytes(), p.array()));
        } else {
            frames.add(connect(r, 5, true));
            int qos = r.nextInt(2);
            frames.add(MqttFrames.publish(5, qos, false, false, ("fz/" + Mutations.device(r) + "/t").getBytes(), 1,
                    p.array(), new byte[] {'1'}));
        }
        return frames;
    }

    /**
     * Persistent sessions from strangers: clean start off (MQTT 5: session expiry up to 7 days), client ids up to
     * 65,535 bytes, up to 200 subscriptions, then DISCONNECT or a dropped connection.
     */
    private static List<byte[]> sessionChurn(SplittableRandom r, int version) {
        List<byte[]> frames = new ArrayList<>();
        int idLength = r.nextInt(10) == 0 ? 1 + r.nextInt(65_535) : 4 + r.nextInt(60);
        byte[] id = new byte[idLength];
        for (int i = 0; i < idLength; i++) {
            id[i] = (byte) ('a' + r.nextInt(26));
        }
        id[0] = 'f';
        if (idLength > 1) {
            id[1] = 'z';
        }
        byte[] props = version == 5 ? new MqttFrames.Props().sessionExpiry(r.nextInt(604_801)).array() : new byte[0];
        frames.add(MqttFrames.connect(version, false, 60, id, props));
        int subs = r.nextInt(200);
        if (subs > 0) {
            byte[][] filters = new byte[subs][];
            for (int i = 0; i < subs; i++) {
                filters[i] = ("fz/" + Mutations.device(r) + "/" + i + (r.nextBoolean() ? "/#" : "/+")).getBytes();
            }
            frames.add(MqttFrames.subscribe(version, 1, filters, 1));
        }
        if (r.nextBoolean()) {
            frames.add(MqttFrames.disconnect(version, 0));
        }
        return frames;
    }
}
