package io.sluice.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The temporary directories the harness and the benchmarks make for their servers and files. */
public final class TempDirs {
    private TempDirs() {
    }

    /** Deletes {@code root} and everything under it, as far as it can: leftover temp files are harmless. */
    public static void delete(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // leftover temp files are harmless
        }
    }
}
