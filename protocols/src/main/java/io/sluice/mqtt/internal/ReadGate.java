package io.sluice.mqtt.internal;

import io.netty.channel.Channel;
import io.sluice.mqtt.MqttStats;

/**
 * Whether one connection's channel reads, and why not: each reason a bit of a mask, autoRead off while any is set.
 * Reasons of Sluice's own making (CONNECT to CONNACK, the in-flight budget, the client's in-flight count, a drain)
 * also suspend the client's read deadlines, so its keep alive does not run out while Sluice is not reading; the
 * socket's writability and the cap on partial packets do not. Each time reads stop, MqttStats.readsPaused counts
 * one, unless they stop for CONNECT to CONNACK.
 *
 * <p>Threading: the channel's event loop only.
 */
final class ReadGate {
    static final int PAUSE_CONNECTING = 1;
    static final int PAUSE_BUDGET = 2;
    static final int PAUSE_INFLIGHT = 4;
    static final int PAUSE_WRITABILITY = 8;
    static final int PAUSE_DRAINING = 16;
    /** mqtt.max_partial_packet_bytes reached while this client holds part of a packet: its own deadlines run on. */
    static final int PAUSE_PARTIAL_CAP = 32;
    /** Pauses of Sluice's own making: the client's read deadlines do not run meanwhile. */
    private static final int SERVER_PAUSES = PAUSE_CONNECTING | PAUSE_BUDGET | PAUSE_INFLIGHT | PAUSE_DRAINING;

    private final Channel channel;
    private final MqttStats stats;
    private int pauseMask;

    ReadGate(Channel channel, MqttStats stats) {
        this.channel = channel;
        this.stats = stats;
    }

    void pause(int reason) {
        if (pauseMask == 0) {
            channel.config().setAutoRead(false);
            if (reason != PAUSE_CONNECTING) {
                stats.readsPaused.increment();
            }
        }
        if ((pauseMask & SERVER_PAUSES) == 0 && (reason & SERVER_PAUSES) != 0) {
            ReadDeadlines deadlines = deadlines();
            if (deadlines != null) {
                deadlines.suspend(); // Sluice stopped reading: the client's keep alive must not run out meanwhile
            }
        }
        pauseMask |= reason;
    }

    void resume(int reason) {
        if ((pauseMask & reason) == 0) {
            return;
        }
        boolean serverPaused = (pauseMask & SERVER_PAUSES) != 0;
        pauseMask &= ~reason;
        if (serverPaused && (pauseMask & SERVER_PAUSES) == 0) {
            ReadDeadlines deadlines = deadlines();
            if (deadlines != null) {
                deadlines.resume();
            }
        }
        if (pauseMask == 0 && channel.isActive()) {
            channel.config().setAutoRead(true);
        }
    }

    /** The channel's read deadlines (keep alive, packet arrival); null when its pipeline has none. */
    ReadDeadlines deadlines() {
        return channel.pipeline().get(ReadDeadlines.class);
    }

    boolean paused() {
        return pauseMask != 0;
    }
}
