package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Set;

/**
 * Fuzz target of the delayed will's decoder ({@link StoredWill#decode}), which a node runs at start-up on every
 * {@code <client id>\0will} record of the sessions topic (a record any producer to that topic may have written), and
 * whose result it publishes. In a normal test run it replays the inputs under {@code StoredWillFuzzTestInputs/};
 * with {@code JAZZER_FUZZ=1} it fuzzes (docs/FUZZING.md).
 */
class StoredWillFuzzTest {
    private static final Set<String> VERSIONS = Set.of("3.1", "3.1.1", "5");

    /**
     * Arbitrary bytes either decode to a will or are refused with IllegalArgumentException (nothing else escapes,
     * so a bad record is counted and skipped, never ends the load). A decoded will is one Sluice could have written:
     * encoding it gives back the input byte for byte (the layout has one encoding per will, so no field was
     * read loosely, e.g. malformed UTF-8 replaced), its QoS is 0-2, its delay and expiry are not negative, and its
     * protocol version is one a connection reports.
     */
    @FuzzTest(maxDuration = "20s")
    void decode_returnsAWillSluiceCouldHaveWritten_orThrowsIllegalArgument(byte[] data) {
        StoredWill w;
        try {
            w = StoredWill.decode(data);
        } catch (IllegalArgumentException refused) {
            return;
        }
        assertArrayEquals(data, w.encode(), "a decoded will encodes to the bytes it came from");
        assertTrue(w.will().qos() >= 0 && w.will().qos() <= 2, "QoS " + w.will().qos());
        assertTrue(w.will().delaySeconds() >= 0 && w.will().forwarded().expirySeconds() >= 0, "delay or expiry");
        assertTrue(VERSIONS.contains(w.protocolVersion()), "protocol version '" + w.protocolVersion() + "'");
    }
}
