package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuzz target of the session codec's round trip: every session Sluice may have to store must come back unchanged.
 * In a normal test run it replays the inputs under {@code SessionCodecRoundTripFuzzTestInputs/}; with
 * {@code JAZZER_FUZZ=1} it fuzzes (docs/FUZZING.md).
 */
class SessionCodecRoundTripFuzzTest {
    /** The longest MQTT string (client id, topic filter): a two-byte length prefix of UTF-8 bytes. */
    private static final int MQTT_STRING_MAX_BYTES = 65_535;

    /**
     * Any session Sluice could hold (client id and filters are MQTT strings, at most 65,535 UTF-8 bytes of any Unicode
     * characters) encodes without an exception and decodes back equal, subscription order included. Strings are a
     * fuzzed unit repeated a fuzzed number of times, so long ones are reachable from short inputs.
     */
    @FuzzTest(maxDuration = "20s")
    void encodeThenDecode_givesTheSameSession(FuzzedDataProvider data) {
        String clientId = mqttString(data);
        int level = data.consumeBoolean() ? 5 : 4;
        long expiry = data.consumeLong(0, 0xFFFF_FFFFL);
        long disconnectedAt = data.consumeLong();
        int n = data.consumeInt(0, 8);
        Map<String, Integer> subs = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            subs.put(mqttString(data), data.consumeInt(0, 255));
        }
        SessionState s = new SessionState(clientId, level, expiry, disconnectedAt, subs);
        SessionState back = SessionCodec.decode(SessionCodec.encode(s));
        assertEquals(s, back);
        assertEquals(List.copyOf(s.subscriptions().keySet()), List.copyOf(back.subscriptions().keySet()));
    }

    /** A string whose UTF-8 form fits an MQTT string: a fuzzed unit, repeated up to that bound. */
    private static String mqttString(FuzzedDataProvider data) {
        String unit = data.consumeString(8);
        int repeat = data.consumeInt(1, MQTT_STRING_MAX_BYTES);
        int unitBytes = unit.getBytes(StandardCharsets.UTF_8).length;
        if (unitBytes == 0) {
            return unit;
        }
        return unit.repeat(Math.min(repeat, MQTT_STRING_MAX_BYTES / unitBytes));
    }
}
