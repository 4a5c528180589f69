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
}
