package io.sluice.sim.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time of a process, read from /proc (Linux): user + system, in seconds. */
final class ProcCpu {
    private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

    private ProcCpu() {
    }

    static double seconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after "pid (comm) ", field 3 is index 0: utime is field 14 -> index 11, stime field 15 -> index 12
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read CPU time of pid " + pid + ": " + e.getMessage(), e);
        }
    }

    static double self() {
        return seconds(ProcessHandle.current().pid());
    }
}
