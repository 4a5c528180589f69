package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SessionCodecTest {

    @Test
    void roundTrip_keepsEveryField_andSubscriptionOrder() {
        Map<String, Integer> subs = new LinkedHashMap<>();
        subs.put("cmd/dev-1/#", 1 | 0x04);
        subs.put("cfg/+/dev-1", 0);
        subs.put("ünïcødé/√", 1);
        SessionState s = new SessionState("dev-1", 5, 3600, 1_700_000_000_000L, subs);
        SessionState back = SessionCodec.decode(SessionCodec.encode(s));
        assertEquals(s, back);
        assertEquals(java.util.List.copyOf(subs.keySet()), java.util.List.copyOf(back.subscriptions().keySet()));
    }

    @Test
    void subscriptionIdentifiers_roundTrip_asVersion3_andSessionsWithoutThemStayVersion2() {
        Map<String, Integer> subs = new LinkedHashMap<>();
        subs.put("a/#", 1);
        subs.put("b/+", 2 | 0x08);
        SessionState with = new SessionState("dev-1", 5, 3600, 0, subs, Map.of("b/+", 268_435_455));
        byte[] bytes = SessionCodec.encode(with);
        assertEquals(3, bytes[0]);
        SessionState back = SessionCodec.decode(bytes);
        assertEquals(with, back);
        assertEquals(Map.of("b/+", 268_435_455), back.subscriptionIds());
        assertEquals(2, SessionCodec.encode(new SessionState("dev-1", 5, 3600, 0, subs))[0], "as before");
    }

    @Test
    void theNode_roundTrips_asVersion4_withSubscriptionsAndIdentifiers() {
        Map<String, Integer> subs = new LinkedHashMap<>();
        subs.put("a/#", 1);
        subs.put("b/+", 2);
        SessionState s = new SessionState("dev-1", 5, 3600, 0, subs, Map.of("b/+", 9), "node-2");
        byte[] bytes = SessionCodec.encode(s);
        assertEquals(4, bytes[0]);
        SessionState back = SessionCodec.decode(bytes);
        assertEquals(s, back);
        assertEquals("node-2", back.node());
        SessionState bare = new SessionState("dev-2", 4, 60, 5, Map.of(), Map.of(), "n");
        assertEquals(bare, SessionCodec.decode(SessionCodec.encode(bare)));
    }

    @Test
    void aRecordOfTheFormatBeforeNodes_decodesWithTheNodeUnknown() {
        // version 2 as written before nodes were recorded: client id "d", level 4, expiry 60, disconnected at 7, none
        byte[] v2 = {2, 1, 'd', 4, 0, 0, 0, 0, 0, 0, 0, 60, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0};
        SessionState s = SessionCodec.decode(v2);
        assertEquals(new SessionState("d", 4, 60, 7, Map.of()), s);
        assertEquals("", s.node());
        assertEquals("", SessionCodec.decode(SessionCodec.encode(
                new SessionState("d", 5, 1, 0, Map.of("f", 1), Map.of("f", 5)))).node(), "v3 too");
    }

    @Test
    void aVersion4RecordWithBytesAfterTheNode_isRejected() {
        byte[] bytes = SessionCodec.encode(new SessionState("d", 5, 1, 0, Map.of(), Map.of(), "n1"));
        byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        assertThrows(IllegalArgumentException.class, () -> SessionCodec.decode(longer));
    }

    @Test
    void aVersion3SubscriptionIdentifierOutOfRange_isRejected() {
        SessionState s = new SessionState("d", 5, 1, 0, Map.of("f", 1), Map.of("f", 5));
        byte[] bytes = SessionCodec.encode(s);
        // the identifier is the last varint: make it 2^28 (5 bytes: 0x80 0x80 0x80 0x80 0x01)
        byte[] big = java.util.Arrays.copyOf(bytes, bytes.length + 4);
        System.arraycopy(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01}, 0, big,
                bytes.length - 1, 5);
        assertThrows(IllegalArgumentException.class, () -> SessionCodec.decode(big));
    }

    @Test
    void anOfflineSessionWithoutSubscriptions_isCompact() {
        byte[] bytes = SessionCodec.encode(new SessionState("device-0001234", 4, 604800, 0, Map.of()));
        assertTrue(bytes.length < 48, "bytes: " + bytes.length);
    }

    @Test
    void garbage_isRejected_notMisread() {
        assertThrows(IllegalArgumentException.class, () -> SessionCodec.decode(new byte[] {9, 1, 2}));
        assertThrows(IllegalArgumentException.class, () -> SessionCodec.decode(new byte[] {1, 0}));
    }

    @Test
    void expiry_countsFromTheDisconnect() {
        SessionState s = new SessionState("d", 5, 10, 1_000, Map.of());
        assertFalse(s.expiredAt(10_999));
        assertTrue(s.expiredAt(11_000));
        assertFalse(new SessionState("d", 5, 10, 0, Map.of()).expiredAt(Long.MAX_VALUE), "connected never expires");
    }

    @Test
    void topicFilters_followTheSpec() {
        assertTrue(TopicNames.validFilter("a/+/c"));
        assertTrue(TopicNames.validFilter("#"));
        assertTrue(TopicNames.validFilter("a/#"));
        assertFalse(TopicNames.validFilter("a/#/c"));
        assertFalse(TopicNames.validFilter("a/b+"));
        assertFalse(TopicNames.validFilter(""));
        assertTrue(TopicNames.validName("a/b"));
        assertFalse(TopicNames.validName("a/+"));
        assertFalse(TopicNames.validName("a\u0000b"));
    }

    @Test
    void aFilterOfAnyLengthAnMqttPacketCanCarry_isEncoded_andReadBack() {
        // 16,000 supplementary characters: 64,000 bytes of UTF-8 (fits an MQTT string), 96,000 of modified UTF-8
        String filter = "\uD83D\uDE00".repeat(16_000);
        assertTrue(filter.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 65_535);
        SessionState s = new SessionState("long-filter", 5, 60, 0, Map.of(filter, 1, "a/" + "b".repeat(65_000), 0));
        SessionState back = SessionCodec.decode(SessionCodec.encode(s));
        assertEquals(s, back);
    }

    @Test
    void version1Records_writtenBeforeVersion2_areStillRead() throws java.io.IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        try (var out = new java.io.DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeUTF("old-dev");
            out.writeByte(4);
            out.writeLong(600);
            out.writeLong(1_700_000_000_000L);
            out.writeInt(1);
            out.writeUTF("cmd/old-dev/#");
            out.writeByte(1);
        }
        assertEquals(new SessionState("old-dev", 4, 600, 1_700_000_000_000L, Map.of("cmd/old-dev/#", 1)),
                SessionCodec.decode(bytes.toByteArray()));
    }

    @Test
    void hostileLengthsAndCounts_areRejected_beforeAnythingIsAllocated() {
        // a subscription count of 2^31-1 with nothing after it
        byte[] hugeCount = {2, 1, 'd', 5, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, (byte) 0xff,
                (byte) 0xff, (byte) 0xff};
        assertThrows(IllegalArgumentException.class, () -> SessionCodec.decode(hugeCount));
        // a client id claiming 2^28 bytes
        byte[] hugeString = {2, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01, 'x'};
        assertThrows(IllegalArgumentException.class, () -> SessionCodec.decode(hugeString));
        // a varint that never ends
        byte[] endless = {2, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1};
        assertThrows(IllegalArgumentException.class, () -> SessionCodec.decode(endless));
        // invalid UTF-8 in the client id
        byte[] badUtf8 = {2, 2, (byte) 0xc3, 0x28};
        assertThrows(IllegalArgumentException.class, () -> SessionCodec.decode(badUtf8));
        assertThrows(IllegalArgumentException.class, () -> SessionCodec.decode(new byte[0]));
    }

    @Test
    void randomAndMutatedBytes_eitherDecode_orAreRejectedAsIllegalArgument() {
        java.util.Random random = new java.util.Random(16);
        byte[] valid = SessionCodec.encode(new SessionState("dev-7", 5, 60, 5, Map.of("a/+/c", 1, "x/#", 0)));
        for (int i = 0; i < 20_000; i++) {
            byte[] input;
            if (i % 2 == 0) {
                input = new byte[random.nextInt(64)];
                random.nextBytes(input);
                if (input.length > 0) {
                    input[0] = (byte) (1 + random.nextInt(2));
                }
            } else {
                input = valid.clone();
                for (int m = 0; m < 1 + random.nextInt(4); m++) {
                    input[random.nextInt(input.length)] = (byte) random.nextInt(256);
                }
            }
            try {
                SessionCodec.decode(input);
            } catch (IllegalArgumentException expected) {
                // the only way decode may refuse
            }
        }
    }
}
