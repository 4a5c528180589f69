package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.ingest.Envelope;
import io.sluice.security.Identity;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sessions-topic record of a delayed will: what a restarted node needs to publish it, and nothing trusted. */
class StoredWillTest {
    private static StoredWill full() {
        Packets.Will will = new Packets.Will("wills/dev", "gone ✓".getBytes(StandardCharsets.UTF_8), 1, 30,
                "text/plain", List.of(new Envelope.UserProperty("site", "north"), new Envelope.UserProperty("k", "")),
                new Packets.Forwarded(120, 1, "replies/dev", new byte[] {1, 2, 3}));
        return new StoredWill(will, true, "5", Identity.password("alice"), 1_765_000_000_123L);
    }

    @Test
    void aWillWithEveryProperty_roundTrips() {
        StoredWill w = full();
        StoredWill back = StoredWill.decode(w.encode());
        assertEquals("wills/dev", back.will().topic());
        assertArrayEquals(w.will().payload(), back.will().payload());
        assertEquals(1, back.will().qos());
        assertEquals(30, back.will().delaySeconds());
        assertEquals("text/plain", back.will().contentType());
        assertEquals(w.will().userProperties(), back.will().userProperties());
        assertEquals(120, back.will().forwarded().expirySeconds());
        assertEquals(1, back.will().forwarded().payloadFormat());
        assertEquals("replies/dev", back.will().forwarded().responseTopic());
        assertArrayEquals(new byte[] {1, 2, 3}, back.will().forwarded().correlationData());
        assertTrue(back.retain());
        assertEquals("5", back.protocolVersion());
        assertEquals(Identity.password("alice"), back.identity());
        assertEquals(1_765_000_000_123L, back.dueAtMillis());
    }

    @Test
    void aWillWithoutProperties_roundTripsItsAbsentOnesAsAbsent() {
        Packets.Will will = new Packets.Will("w", new byte[0], 0, 5);
        StoredWill back = StoredWill.decode(new StoredWill(will, false, "5", Identity.ANONYMOUS, 7).encode());
        assertNull(back.will().contentType());
        assertNull(back.will().forwarded().responseTopic());
        assertNull(back.will().forwarded().correlationData());
        assertEquals(-1, back.will().forwarded().payloadFormat());
        assertEquals(0, back.will().payload().length);
        assertFalse(back.retain());
        assertEquals(Identity.ANONYMOUS, back.identity());
    }

    @Test
    void everyTruncation_andTrailingBytes_andAnUnknownVersion_areRefused() {
        byte[] bytes = full().encode();
        for (int n = 0; n < bytes.length; n++) {
            byte[] cut = Arrays.copyOf(bytes, n);
            assertThrows(IllegalArgumentException.class, () -> StoredWill.decode(cut), "cut at " + n);
        }
        assertThrows(IllegalArgumentException.class, () -> StoredWill.decode(Arrays.copyOf(bytes, bytes.length + 1)));
        byte[] v2 = bytes.clone();
        v2[0] = 2;
        assertThrows(IllegalArgumentException.class, () -> StoredWill.decode(v2));
        assertThrows(IllegalArgumentException.class, () -> StoredWill.decode(null));
    }

    @Test
    void theKey_isTheClientIdNulWill_andNoOtherRecordsKey() {
        assertEquals("dev\u0000will", StoredWill.key("dev"));
        assertTrue(StoredWill.isKey(StoredWill.key("dev")));
        assertEquals("dev", StoredWill.clientIdOf(StoredWill.key("dev")));
        assertFalse(StoredWill.isKey("dev"));
        assertFalse(StoredWill.isKey(io.sluice.mqtt.internal.outbound.InflightRecord.key("dev")));
        assertTrue(SessionCodec.isExactlyOnceKey(StoredWill.key("dev")), "not read as a session");
    }
}
