package io.sluice.sinks.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sinks.Point;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Reading InfluxDB 1.x's partial-write messages (their text as InfluxDB 1.6.7 answers) against the body sent. */
class PartialWriteTest {
    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final String CONFLICT = "partial write: field type conflict: input field \"temp\" on measurement"
            + " \"climate\" is type string, already exists as type float";

    private static List<MicroBatcher.Entry<Integer>> part(String... lines) {
        List<MicroBatcher.Entry<Integer>> out = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            out.add(new MicroBatcher.Entry<>(i, new Point("climate", lines[i])));
        }
        return out;
    }

    @Test
    void typeConflict_namesEveryPointOfThatMeasurementFieldAndType_completeWhenTheyAreAllDropped() {
        var body = part("climate,device=a temp=1.5 " + T0, "climate,device=b temp=\"hot\" " + (T0 + 1),
                "other,device=c temp=\"x\" " + (T0 + 2), "climate,device=d hum=1,temp=\"warm\" " + (T0 + 3));
        PartialWrite.Named named = PartialWrite.named(body, CONFLICT + " dropped=2", 2);
        assertEquals(Set.of(1, 3), named.points().keySet());
        assertTrue(named.complete());
        assertTrue(named.points().get(1).startsWith("field type conflict"), named.points().get(1));
        PartialWrite.Named more = PartialWrite.named(body, CONFLICT + " dropped=3", 3);
        assertEquals(Set.of(1, 3), more.points().keySet());
        assertFalse(more.complete(), "a third point was dropped for a reason not named");
    }

    @Test
    void typeConflict_acrossTwoHours_orNamingMoreThanDropped_namesNothing() {
        var twoHours = part("climate,device=a temp=\"hot\" " + T0,
                "climate,device=b temp=1 " + (T0 + PartialWrite.HOUR_NANOS));
        assertTrue(PartialWrite.named(twoHours, CONFLICT + " dropped=1", 1).points().isEmpty(),
                "field types are per shard: across shards the named type may have been taken");
        var tooMany = part("climate,device=a temp=\"hot\" " + T0, "climate,device=b temp=\"cold\" " + (T0 + 1));
        assertTrue(PartialWrite.named(tooMany, CONFLICT + " dropped=1", 1).points().isEmpty());
    }

    @Test
    void unparsableLines_areMatchedExactly_andIncompleteWhenOneIsNotInTheBody() {
        var body = part("climate,device=a temp=1 99999999999999999999", "climate,device=b temp=2 " + T0,
                "climate,device=c temp=3 123456789012345678901");
        String both = "partial write: unable to parse 'climate,device=a temp=1 99999999999999999999': bad timestamp\n"
                + "unable to parse 'climate,device=c temp=3 123456789012345678901': bad timestamp dropped=0";
        PartialWrite.Named named = PartialWrite.named(body, both, 0);
        assertEquals(Set.of(0, 2), named.points().keySet());
        assertTrue(named.complete());
        assertEquals("unable to parse 'climate,device=a temp=1 99999999999999999999': bad timestamp",
                named.points().get(0));
        PartialWrite.Named stranger = PartialWrite.named(body, "unable to parse 'nope v=': missing field value",
                WriteRefused.NOT_PARTIAL);
        assertTrue(stranger.points().isEmpty());
        assertFalse(stranger.complete());
    }

    @Test
    void messageNamingNoPoint_namesNothing() {
        var body = part("climate,device=a temp=1 " + T0);
        assertTrue(PartialWrite.named(body, "partial write: points beyond retention policy dropped=1", 1).points()
                .isEmpty());
    }

    @Test
    void fieldType_readsEscapedNamesAndEveryType() {
        String line = "my\\ room,site=a\\,b t\\=x=1i,u=2u,s=\"a \\\"q\\\" b\",b=true,f=-1.5e3 " + T0;
        assertEquals("integer", LineProtocol.fieldType(line, "my room", "t=x"));
        assertEquals("unsigned", LineProtocol.fieldType(line, "my room", "u"));
        assertEquals("string", LineProtocol.fieldType(line, "my room", "s"));
        assertEquals("boolean", LineProtocol.fieldType(line, "my room", "b"));
        assertEquals("float", LineProtocol.fieldType(line, "my room", "f"));
        assertNull(LineProtocol.fieldType(line, "my room", "absent"));
        assertNull(LineProtocol.fieldType(line, "other", "f"));
        assertNull(LineProtocol.fieldType("not line protocol", "not", "x"));
    }
}
