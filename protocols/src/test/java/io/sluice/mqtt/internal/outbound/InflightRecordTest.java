package io.sluice.mqtt.internal.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InflightRecordTest {
    @Test
    void aRecord_roundTrips_throughItsBytes() {
        InflightRecord r = new InflightRecord("node-a", 42, List.of(new InflightRecord.Entry(40, 7, true),
                new InflightRecord.Entry(41, 65_535, false), new InflightRecord.Entry(1L << 40, 1, false)));
        byte[] bytes = r.encode();
        assertEquals(13 + "node-a".length() + 3 * InflightRecord.ENTRY_BYTES, bytes.length);
        assertEquals(r, InflightRecord.decode(bytes));
        InflightRecord empty = new InflightRecord("", 0, List.of());
        assertEquals(empty, InflightRecord.decode(empty.encode()));
        InflightRecord utf8 = new InflightRecord("nœud-ü", 0, List.of());
        assertEquals(utf8, InflightRecord.decode(utf8.encode()));
    }

    @Test
    void aWindowOf65535Entries_fits() {
        List<InflightRecord.Entry> e = new ArrayList<>();
        for (int i = 1; i <= 65_535; i++) {
            e.add(new InflightRecord.Entry(i, i, i % 2 == 0));
        }
        InflightRecord r = new InflightRecord("node-a", 1, e);
        assertEquals(r, InflightRecord.decode(r.encode()));
    }

    @Test
    void itsKey_isItsOwn_andGivesTheClientIdBack() {
        String key = InflightRecord.key("dev/1");
        assertTrue(InflightRecord.isKey(key));
        assertFalse(InflightRecord.isKey("dev/1"));
        assertFalse(InflightRecord.isKey("dev/1\u000012"), "a remembered inbound packet id's key");
        assertEquals("dev/1", InflightRecord.clientIdOf(key));
    }

    @Test
    void bytesThatAreNoRecord_areRefusedWithAReason() {
        byte[] good = new InflightRecord("node-a", 5, List.of(new InflightRecord.Entry(3, 9, true))).encode();
        assertThrows(IllegalArgumentException.class, () -> InflightRecord.decode(new byte[0]));
        byte[] version = good.clone();
        version[0] = 2;
        assertThrows(IllegalArgumentException.class, () -> InflightRecord.decode(version));
        // version [0], node id length [1-2], "node-a" [3-8], doneBefore [9-16], count [17-18], one entry [19-29]
        byte[] nodeLength = good.clone();
        nodeLength[2] = 100;
        assertThrows(IllegalArgumentException.class, () -> InflightRecord.decode(nodeLength));
        byte[] count = good.clone();
        count[18] = 2; // two entries claimed, one there
        assertThrows(IllegalArgumentException.class, () -> InflightRecord.decode(count));
        byte[] zeroId = good.clone();
        zeroId[27] = 0;
        zeroId[28] = 0;
        assertThrows(IllegalArgumentException.class, () -> InflightRecord.decode(zeroId));
        byte[] flags = good.clone();
        flags[29] = 4;
        assertThrows(IllegalArgumentException.class, () -> InflightRecord.decode(flags));
        byte[] twice = new InflightRecord("node-a", 5, List.of(new InflightRecord.Entry(3, 9, true),
                new InflightRecord.Entry(4, 9, false))).encode();
        assertThrows(IllegalArgumentException.class, () -> InflightRecord.decode(twice), "one id twice");
        byte[] negative = new InflightRecord("node-a", -1, List.of()).encode();
        assertThrows(IllegalArgumentException.class, () -> InflightRecord.decode(negative));
    }
}
