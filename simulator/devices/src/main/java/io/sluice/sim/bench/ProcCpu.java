package io.sluice.sim.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** CPU time of a process, read from /proc (Linux): user + system, in seconds. */
final class ProcCpu {
    private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

    private ProcCpu() {
    }

    static double seconds(long pid) {
        try {
            return ticks(Files.readString(Path.of("/proc", Long.toString(pid), "stat"))) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read CPU time of pid " + pid + ": " + e.getMessage(), e);
        }
    }

    static double self() {
        return seconds(ProcessHandle.current().pid());
    }

    /**
     * CPU seconds of this JVM's live threads, summed by thread name with digits dropped (so "C2 CompilerThread0" and
     * "...1" add up, as do GC workers); threads that ended are missing, so take it while the threads still run.
     */
    static Map<String, Double> selfByThread() {
        return byThread(ProcessHandle.current().pid());
    }

    /** As {@link #selfByThread()}, for the threads of process {@code pid}. */
    static Map<String, Double> byThread(long pid) {
        Map<String, Double> out = new TreeMap<>();
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        try (Stream<Path> list = Files.list(tasks)) {
            list.forEach(t -> {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
                            .replaceAll("[0-9]+", "#");
                    out.merge(name, ticks(stat) / TICKS_PER_SECOND, Double::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + tasks, e);
        }
        return out;
    }

    /** Per-name differences {@code after - before}, names with less than 0.05 s dropped. */
    static String delta(Map<String, Double> before, Map<String, Double> after) {
        StringBuilder sb = new StringBuilder();
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0.0)))
                .filter(e -> e.getValue() >= 0.05)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> sb.append(sb.isEmpty() ? "" : ", ").append(e.getKey()).append(' ')
                        .append(String.format("%.1f", e.getValue())));
        return sb.toString();
    }

    private static long ticks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // after "pid (comm) ", field 3 is index 0: utime is field 14 -> index 11, stime field 15 -> index 12
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
