package io.sluice.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.udp.internal.LineProtocol;
import org.junit.jupiter.api.Test;

class FleetPayloadTest {
    private static final int TAG = FleetLedger.runTag("fx-");

    @Test
    void json_roundTripsThroughTheParser_atTheRequestedSize() {
        byte[] p = PayloadFormat.JSON.encode("temperature", "fx-0042", 42, TAG, 7, 1_700_000_000_000L, 200);
        assertEquals(200, p.length);
        assertEquals(new Reading.MessageId("fx-0042", 7), Reading.parse(p));
    }

    @Test
    void line_roundTripsThroughTheParser_atTheRequestedSize_andIsValidLineProtocol() {
        byte[] p = PayloadFormat.LINE.encode("temperature", "fx-0042", 42, TAG, 7, 1_700_000_000_000L, 200);
        assertEquals(200, p.length);
        assertEquals(new Reading.MessageId("fx-0042", 7), Reading.parse(p));
        String line = new String(p, java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(line.startsWith("temperature,device=fx-0042 seq=7i,temp=15.7,pad=\"xxx"), line);
        assertEquals(" 1700000000000000000", line.substring(line.length() - 20), "timestamp in nanoseconds: " + line);
        // the daemon's own line-protocol validator accepts it, so line-udp ingests it
        assertEquals("temperature", LineProtocol.measurement(p, 0, p.length));
    }

    @Test
    void line_withoutPadding_isStillValid_andParses() {
        byte[] p = PayloadFormat.LINE.encode("humidity", "fx-0", 0, TAG, 123_456_789L, 5L, 0);
        assertEquals("humidity,device=fx-0 seq=123456789i,temp=33.9 5000000",
                new String(p, java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("humidity", LineProtocol.measurement(p, 0, p.length));
        assertEquals(new Reading.MessageId("fx-0", 123_456_789L), Reading.parse(p));
    }

    @Test
    void binary_roundTripsThroughTheParser_withIndexAndRunTag_paddedWithZeros() {
        byte[] p = PayloadFormat.BINARY.encode("temperature", "fx-9999999", 9_999_999, TAG, 3, 1L, 64);
        assertEquals(64, p.length);
        assertEquals(0, p[0], "magic starts with NUL");
        assertEquals('S', p[1]);
        assertEquals(0, p[63], "padding");
        assertEquals(new Reading.MessageId(null, 3, TAG, 9_999_999), Reading.parse(p));

        byte[] small = PayloadFormat.BINARY.encode("temperature", "fx-1", 1, TAG, 0, 1L, 8);
        assertEquals(Reading.BINARY_HEADER_BYTES, small.length, "never smaller than the header");
        assertEquals(new Reading.MessageId(null, 0, TAG, 1), Reading.parse(small));
    }

    @Test
    void otherPayloads_areNotReadings() {
        assertNull(Reading.parse("not a reading".getBytes()));
        assertNull(Reading.parse("cpu,host=a usage=1i 1".getBytes()), "line protocol without device and seq");
        assertNull(Reading.parse(new byte[Reading.BINARY_HEADER_BYTES]), "zeros are not the magic");
        assertNull(Reading.parse(new byte[0]));
    }

    @Test
    void formatNames_areLowerCase_andUnknownOnesAreRefused() {
        assertEquals(PayloadFormat.BINARY, PayloadFormat.of("binary"));
        assertEquals("line", PayloadFormat.LINE.label());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> PayloadFormat.of("xml"));
    }
}
