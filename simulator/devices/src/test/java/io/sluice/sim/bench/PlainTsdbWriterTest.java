package io.sluice.sim.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file that carries a round's readings to the plain writer's JVM. */
class PlainTsdbWriterTest {
    @TempDir
    Path dir;

    @Test
    void recordsFile_readsBackEveryPartOfEveryRecord() throws Exception {
        List<byte[][]> records = List.of(
                new byte[][] {bytes("dev-1"), bytes("sensors/dev-1/climate"), bytes("{\"ts\":1,\"temp\":2.5}")},
                new byte[][] {new byte[0], bytes("sensors/gerät/x"), new byte[] {0, -1, 127}},
                new byte[][] {bytes("k")});
        Path file = dir.resolve("round.records");
        PlainTsdbWriter.writeRecords(file, records);
        List<byte[][]> back = PlainTsdbWriter.readRecords(file);
        assertEquals(records.size(), back.size());
        for (int i = 0; i < records.size(); i++) {
            assertEquals(records.get(i).length, back.get(i).length, "parts of record " + i);
            for (int j = 0; j < records.get(i).length; j++) {
                assertArrayEquals(records.get(i)[j], back.get(i)[j], "record " + i + " part " + j);
            }
        }
        assertEquals(List.of(), PlainTsdbWriter.readRecords(writeEmpty()));
    }

    private Path writeEmpty() throws Exception {
        Path empty = dir.resolve("empty.records");
        PlainTsdbWriter.writeRecords(empty, List.of());
        assertEquals(4, Files.size(empty)); // the count alone
        return empty;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
