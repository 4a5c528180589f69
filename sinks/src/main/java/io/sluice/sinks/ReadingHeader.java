package io.sluice.sinks;

import io.sluice.sinks.fanout.Decimal;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@link HeaderLayout#COMPACT} header of a reading: key {@value #KEY}, value UTF-8 text
 * {@code 1 <received_ns> <protocol> <protocol_version> <qos> <node> <topic>}: the layout's version ({@code 1}),
 * then the fields separated by single spaces, {@code -} for an absent protocol version, the topic last (it may
 * hold spaces). For example {@code 1 1733450000123456789 mqtt 5 1 node-a sensors/boiler-1/temp}. Node ids hold no
 * whitespace (the config refuses them). Stateless.
 */
public final class ReadingHeader {
    public static final String KEY = "sluice";
    /** The names each field has as a header of its own in the {@link HeaderLayout#FULL} layout, in order. */
    private static final String[] FULL_NAMES = {"sluice.received_ns", "sluice.protocol", "sluice.protocol_version",
        "sluice.qos", "sluice.node", "sluice.topic"};

    private ReadingHeader() {
    }

    /** The header's value; {@code protocolVersion} may be null, {@code node} is UTF-8 without whitespace. */
    public static byte[] encode(long receivedNs, String protocol, String protocolVersion, int qos, byte[] node,
                                String topic) {
        byte[] head = ("1 " + receivedNs + " " + protocol + " " + (protocolVersion == null ? "-" : protocolVersion)
                + " " + qos + " ").getBytes(StandardCharsets.UTF_8);
        byte[] tail = topic.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[head.length + node.length + 1 + tail.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(node, 0, out, head.length, node.length);
        out[head.length + node.length] = ' ';
        System.arraycopy(tail, 0, out, head.length + node.length + 1, tail.length);
        return out;
    }

    /** The receive time in a value of this header, or -1 when {@code v} is not one (or the time is not a number). */
    public static long receivedNs(byte[] v) {
        return versionOne(v) ? Decimal.parse(v, 2, next(v, 2)) : -1;
    }

    /** Where the topic starts in a value of this header (it runs to the end), or -1 when {@code v} is not one. */
    public static int topicStart(byte[] v) {
        if (!versionOne(v)) {
            return -1;
        }
        int at = 2;
        for (int field = 0; field < 5; field++) { // received_ns, protocol, version, qos, node
            at = next(v, at);
            if (at >= v.length) {
                return -1;
            }
            at++;
        }
        return at;
    }

    /**
     * The fields of a value of this header under the names they have as headers of their own in the
     * {@link HeaderLayout#FULL} layout ({@code sluice.protocol_version} left out when absent), for tools and tests.
     *
     * @throws IllegalArgumentException when {@code v} is not a value of this header
     */
    public static Map<String, String> fields(byte[] v) {
        int topic = topicStart(v);
        if (topic < 0) {
            throw new IllegalArgumentException("not a version 1 '" + KEY + "' header");
        }
        String[] parts = new String(v, 2, topic - 2, StandardCharsets.UTF_8).split(" ", -1);
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) {
            if (i != 2 || !parts[i].equals("-")) {
                out.put(FULL_NAMES[i], parts[i]);
            }
        }
        out.put(FULL_NAMES[5], new String(v, topic, v.length - topic, StandardCharsets.UTF_8));
        return out;
    }

    private static boolean versionOne(byte[] v) {
        return v != null && v.length > 2 && v[0] == '1' && v[1] == ' ';
    }

    /** The index of the first space at or after {@code from}, or {@code v.length}. */
    private static int next(byte[] v, int from) {
        int i = from;
        while (i < v.length && v[i] != ' ') {
            i++;
        }
        return i;
    }
}
