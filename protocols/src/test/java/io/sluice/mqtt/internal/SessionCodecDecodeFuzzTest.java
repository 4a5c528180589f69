package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;

/**
 * Fuzz target of the session codec's decoder, which reads back at start-up whatever the sessions topic holds (a record
 * any producer to that topic may have written). In a normal test run it replays the inputs under
 * {@code SessionCodecDecodeFuzzTestInputs/}; with {@code JAZZER_FUZZ=1} it fuzzes (docs/FUZZING.md).
 */
class SessionCodecDecodeFuzzTest {
    /**
     * Arbitrary bytes either decode to a session or are refused with IllegalArgumentException (nothing else
     * escapes), and a decoded session survives encode and decode unchanged, subscription order included; encoding is
     * deterministic, so encode(decode(encode(decode(x)))) gives the bytes encode(decode(x)) gave.
     */
    @FuzzTest(maxDuration = "20s")
    void decode_returnsASession_orThrowsIllegalArgument(byte[] data) {
        SessionState s;
        try {
            s = SessionCodec.decode(data);
        } catch (IllegalArgumentException refused) {
            return;
        }
        byte[] again = SessionCodec.encode(s);
        SessionState back = SessionCodec.decode(again);
        assertEquals(s, back);
        assertEquals(List.copyOf(s.subscriptions().keySet()), List.copyOf(back.subscriptions().keySet()));
        assertArrayEquals(again, SessionCodec.encode(back), "encoding is deterministic");
    }
}
