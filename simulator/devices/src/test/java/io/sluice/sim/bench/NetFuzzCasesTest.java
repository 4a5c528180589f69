package io.sluice.sim.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NetFuzzCasesTest {
    private static final int CASES = 20_000;

    @Test
    void caseI_isTheSameBytes_forTheSameSeed_andDiffers_forAnotherSeed() {
        int differing = 0;
        for (long i = 0; i < 2_000; i++) {
            FuzzCase a = NetFuzz.caseAt(42, i);
            FuzzCase b = NetFuzz.caseAt(42, i);
            assertEquals(a.transport(), b.transport());
            assertEquals(a.kind(), b.kind());
            assertEquals(a.writes().size(), b.writes().size());
            for (int w = 0; w < a.writes().size(); w++) {
                assertArrayEquals(a.writes().get(w), b.writes().get(w), "case " + i + " write " + w);
            }
            if (!java.util.Arrays.equals(a.writes().get(0), NetFuzz.caseAt(43, i).writes().get(0))) {
                differing++;
            }
        }
        assertTrue(differing > 1_900, "another seed gives other cases: " + differing + " of 2,000 differ");
    }

    @Test
    void everyGenerator_andEveryTransport_isDrawn_andEveryCaseIsBounded() {
        Map<String, Integer> kinds = new HashMap<>();
        long largest = 0;
        for (long i = 0; i < CASES; i++) {
            FuzzCase c = NetFuzz.caseAt(7, i);
            kinds.merge(c.transport() + " " + c.kind(), 1, Integer::sum);
            largest = Math.max(largest, c.bytes());
            assertTrue(c.inputs() >= 1, "a case sends at least one input");
            if (c.transport() != FuzzCase.Transport.MQTT) {
                assertEquals(c.inputs(), c.writes().size(), "one datagram per input");
                c.writes().forEach(d -> assertTrue(d.length <= 65_507, "a datagram fits UDP: " + d.length));
            }
        }
        Set<String> expected = new HashSet<>(Set.of("MQTT random", "MQTT mutated", "MQTT truncated",
                "MQTT bad-length", "MQTT bad-utf8", "MQTT out-of-order", "MQTT oversized-properties",
                "MQTT session-churn", "MQTT qos1-payloads", "MQTT_SN valid", "MQTT_SN mutated", "MQTT_SN bad-length",
                "MQTT_SN out-of-order", "MQTT_SN random", "LINE_UDP valid", "LINE_UDP mutated", "LINE_UDP bad-values",
                "LINE_UDP bad-utf8", "LINE_UDP many-lines", "LINE_UDP blank", "LINE_UDP random"));
        expected.removeAll(kinds.keySet());
        assertTrue(expected.isEmpty(), "never drawn in " + CASES + " cases: " + expected);
        assertTrue(largest < 4_000_000, "largest case " + largest + " bytes");
    }

    @Test
    void oversizedProperties_goPastTheDefaultPacketLimit_sometimes() {
        boolean over = false;
        for (long i = 0; i < CASES && !over; i++) {
            FuzzCase c = NetFuzz.caseAt(11, i);
            over = c.kind().equals("oversized-properties") && c.bytes() > 262_144;
        }
        assertTrue(over, "some oversized property sets exceed mqtt.max_packet_size_bytes' default");
    }

    @Test
    void mqttFrames_encodeRemainingLength_asMqttVarints() {
        assertArrayEquals(new byte[] {(byte) 0xC0, 0}, MqttFrames.pingreq());
        byte[] f = MqttFrames.frame(MqttFrames.PUBLISH, 0, new byte[200]);
        assertEquals(0x30, f[0] & 0xFF);
        assertEquals(0xC8, f[1] & 0xFF); // 200 = 0x48 | continuation
        assertEquals(0x01, f[2]);
        assertEquals(203, f.length);
    }

    @Test
    void fuzzClients_neverUseTheNeighboursTopicsOrIds() {
        for (long i = 0; i < 5_000; i++) {
            for (byte[] w : NetFuzz.caseAt(3, i).writes()) {
                String s = new String(w, java.nio.charset.StandardCharsets.ISO_8859_1);
                // a topic starting with nb/ (inside a fuzz device name such as fz/xnb/t it is harmless)
                assertFalse(java.util.regex.Pattern.compile("(^|[^a-z0-9/_-])" + ChaosStack.NEIGHBOUR_TOPICS + "/")
                        .matcher(s).find(), "case " + i + " publishes to the neighbour's topics");
            }
        }
    }
}
