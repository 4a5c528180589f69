package io.sluice.mqtt.internal;

import io.sluice.mqtt.MqttStats;
import io.sluice.mqtt.SessionLimits;
import java.util.Map;

/**
 * Live heap of a registry that follows the sessions topic and holds other nodes' sessions: N persistent sessions with
 * one subscription each, then N presence records, fed through the follower; totals of {@code jcmd PID
 * GC.class_histogram} (a full GC each) before and after. Not a test: run by {@code bench/fleet-heap.sh}.
 */
public final class FleetHeapMeasure {
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        FleetStore store = new FleetStore("n1");
        SessionRegistry r = new SessionRegistry(store, java.time.Clock.systemUTC(), new MqttStats(),
                SessionLimits.defaults(), "n1");
        r.load();
        r.follow();
        long base = live();
        long t = System.currentTimeMillis();
        for (int i = 0; i < n; i++) {
            String id = String.format("sensor-%08d", i);
            store.remote("n2", id, new SessionState(id, 4, 604800, t, Map.of("cmd/" + id + "/#", 1), Map.of(), "n2"));
        }
        store.data.clear(); // the test store keeps the log's values: not part of what a node holds
        long persistent = live();
        for (int i = 0; i < n; i++) {
            String id = String.format("probe-%08d", i);
            store.remote("n2", id, new SessionState(id, 4, 0, 0, Map.of(), Map.of(), "n2"));
        }
        store.data.clear();
        long presence = live();
        System.out.printf("sessions known %d, presence %d%n", r.sessionCount(), r.fleetView().presenceKnown());
        System.out.printf("baseline %d B; +%d persistent sessions with one subscription: +%d B (%d B each);"
                + " +%d presence records: +%d B (%d B each)%n", base, n, persistent - base, (persistent - base) / n, n,
                presence - persistent, (presence - persistent) / n);
    }

    private static long live() throws Exception {
        long pid = ProcessHandle.current().pid();
        Process p = new ProcessBuilder("jcmd", Long.toString(pid), "GC.class_histogram").redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        for (String line : out.split("\n")) {
            if (line.startsWith("Total")) {
                return Long.parseLong(line.trim().split("\\s+")[2]);
            }
        }
        throw new IllegalStateException(out);
    }
}
