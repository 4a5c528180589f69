package io.sluice.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileWatchTest {
    @TempDir
    Path dir;

    /** Holds the file's content as long as it is not "broken". */
    private static final class Content implements Reloadable {
        final Path file;
        final AtomicReference<String> value = new AtomicReference<>();

        Content(Path file) throws Exception {
            this.file = file;
            reload();
        }

        @Override
        public String describe() {
            return "test file " + file.getFileName();
        }

        @Override
        public List<Path> files() {
            return List.of(file);
        }

        @Override
        public void reload() throws Exception {
            String s = Files.readString(file);
            if (s.contains("broken")) {
                throw new IllegalArgumentException(file + " line 1: broken");
            }
            value.set(s);
        }
    }

    @Test
    void changedFile_isReloaded_andBrokenOne_keepsThePreviousState() throws Exception {
        Path f = dir.resolve("a.txt");
        Files.writeString(f, "one");
        Content c = new Content(f);
        try (FileWatch watch = new FileWatch(0)) {
            watch.register(c);
            assertEquals(0, watch.check());

            Files.writeString(f, "two, longer");
            assertEquals(1, watch.check());
            assertEquals("two, longer", c.value.get());

            Files.writeString(f, "a broken file"); // another size: two writes may share one mtime tick
            assertEquals(1, watch.check());
            assertEquals("two, longer", c.value.get());
            assertEquals(0, watch.check(), "a broken file is not retried until it changes again");
        }
    }

    @Test
    void renameOver_isSeen_evenWithTheSameSize() throws Exception {
        Path f = dir.resolve("a.txt");
        Files.writeString(f, "one");
        Content c = new Content(f);
        try (FileWatch watch = new FileWatch(0)) {
            watch.register(c);
            Path tmp = dir.resolve("a.txt.new");
            Files.writeString(tmp, "two");
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            assertEquals(1, watch.check());
            assertEquals("two", c.value.get());
        }
    }

    @Test
    void reloadAll_reloadsEverything_andCountsFailures() throws Exception {
        Path a = dir.resolve("a.txt");
        Path b = dir.resolve("b.txt");
        Files.writeString(a, "a1");
        Files.writeString(b, "b1");
        Content ca = new Content(a);
        Content cb = new Content(b);
        try (FileWatch watch = new FileWatch(0)) {
            watch.register(ca);
            watch.register(cb);
            Files.writeString(b, "broken");
            assertEquals(1, watch.reloadAll());
            assertEquals("a1", ca.value.get());
            assertEquals("b1", cb.value.get());
        }
    }
}
