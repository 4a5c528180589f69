package io.sluice.mqtt.internal;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fuzz targets make the front ends log a line per refused input, millions of times: while one runs, Sluice's loggers
 * show errors only. Netty's stay as they are (its leak reports are errors).
 */
public final class FuzzLogs {
    private static Level before;

    private FuzzLogs() {
    }

    public static synchronized void quiet() {
        Logger sluice = (Logger) LoggerFactory.getLogger("io.sluice");
        before = sluice.getLevel();
        sluice.setLevel(Level.ERROR);
    }

    public static synchronized void restore() {
        ((Logger) LoggerFactory.getLogger("io.sluice")).setLevel(before);
    }
}
