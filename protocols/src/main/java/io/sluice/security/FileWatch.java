package io.sluice.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads {@link Reloadable}s when their files change (polled: size, modification time and file key, so an editor's
 * rename-over and a symlink swap as Kubernetes does it are both seen) and on {@link #reloadAll()} (SIGHUP). A failed
 * reload logs one line naming what and why and keeps the previous state; the file is tried again when it changes
 * again. Polling runs on one daemon thread; thread-safe.
 */
public final class FileWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FileWatch.class);

    private final List<Watched> watched = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService poller;

    /** Polls every {@code intervalMs} milliseconds (0: never; only {@link #reloadAll()} and {@link #check()}). */
    public FileWatch(long intervalMs) {
        if (intervalMs > 0) {
            poller = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "sluice-file-watch");
                t.setDaemon(true);
                return t;
            });
            poller.scheduleWithFixedDelay(this::check, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
        } else {
            poller = null;
        }
    }

    /** Watches {@code r}'s files from now on (their current state is the baseline; nothing is reloaded now). */
    public void register(Reloadable r) {
        watched.add(new Watched(r, stamps(r.files())));
    }

    /** Reloads everything registered (SIGHUP); returns how many reloads failed. */
    public synchronized int reloadAll() {
        int failed = 0;
        for (Watched w : watched) {
            w.stamps = stamps(w.reloadable.files());
            failed += reload(w.reloadable, "SIGHUP") ? 0 : 1;
        }
        return failed;
    }

    /** Reloads what changed since the last look; returns how many reloads were tried. */
    public synchronized int check() {
        int tried = 0;
        for (Watched w : watched) {
            Map<Path, Stamp> now = stamps(w.reloadable.files());
            if (!now.equals(w.stamps)) {
                w.stamps = now;
                tried++;
                reload(w.reloadable, "file changed");
            }
        }
        return tried;
    }

    private static boolean reload(Reloadable r, String why) {
        try {
            r.reload();
            LOG.info("Reloaded {} ({}): new connections use it", r.describe(), why);
            return true;
        } catch (Exception e) {
            LOG.error("Reload of {} refused ({}), the previous one stays in use: {}", r.describe(), why,
                    Objects.requireNonNullElse(e.getMessage(), e.toString()));
            return false;
        }
    }

    private static Map<Path, Stamp> stamps(List<Path> files) {
        Map<Path, Stamp> m = new HashMap<>();
        for (Path p : files) {
            m.put(p, Stamp.of(p));
        }
        return m;
    }

    @Override
    public void close() {
        if (poller != null) {
            poller.shutdownNow();
        }
    }

    private static final class Watched {
        final Reloadable reloadable;
        Map<Path, Stamp> stamps;

        Watched(Reloadable reloadable, Map<Path, Stamp> stamps) {
            this.reloadable = reloadable;
            this.stamps = stamps;
        }
    }

    /** What a file looked like: absent, or its size, modification time and identity (inode). */
    private record Stamp(boolean exists, long size, long modifiedMillis, Object fileKey) {
        static Stamp of(Path p) {
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                return new Stamp(true, a.size(), a.lastModifiedTime().toMillis(), a.fileKey());
            } catch (NoSuchFileException e) {
                return new Stamp(false, 0, 0, null);
            } catch (IOException e) {
                return new Stamp(false, -1, 0, null);
            }
        }
    }

    /** Snapshot for tests and status: how many things are watched. */
    public List<String> described() {
        List<String> out = new ArrayList<>();
        watched.forEach(w -> out.add(w.reloadable.describe()));
        return out;
    }
}
